import { DEFAULT_COMPANY } from '../../core/api.ts';
import { useState } from 'react';
import { useAgentStatus } from '../app/agent-status.tsx';
import { ScreenHeading } from '../common/ScreenHeading.tsx';
import { TabPanel, Tabs } from '../common/Tabs.tsx';
import { useT } from '../i18n/use-t.ts';
import { BulkImport } from './BulkImport.tsx';
import { ScanMode } from './ScanMode.tsx';
import { UpdateForm } from './UpdateForm.tsx';

type Mode = 'single' | 'scan' | 'bulk';

export function NewUpdateScreen() {
  const t = useT();
  const { status } = useAgentStatus();
  const [mode, setMode] = useState<Mode>('single');
  const company = status?.company ?? DEFAULT_COMPANY;
  return (
    <section className="screen screen-new" aria-labelledby="new-title">
      <div className="toolbar">
        <ScreenHeading id="new-title">{t('nav.new')}</ScreenHeading>
        <Tabs<Mode>
          id="new-mode"
          label={t('new.modeLabel')}
          value={mode}
          onChange={setMode}
          items={[
            { key: 'single', label: t('new.single') },
            { key: 'scan', label: t('new.scan') },
            { key: 'bulk', label: t('new.bulk') },
          ]}
        />
      </div>
      <TabPanel id="new-mode" selected={mode}>
        {mode === 'single' ? <UpdateForm defaultCompany={company} /> : mode === 'scan' ? <ScanMode defaultCompany={company} /> : <BulkImport />}
      </TabPanel>
    </section>
  );
}
