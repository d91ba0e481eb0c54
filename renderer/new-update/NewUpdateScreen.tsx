import { useState } from 'react';
import { useAgentStatus } from '../app/agent-status.tsx';
import { BulkImport } from './BulkImport.tsx';
import { UpdateForm } from './UpdateForm.tsx';

export function NewUpdateScreen() {
  const { status } = useAgentStatus();
  const [mode, setMode] = useState<'single' | 'bulk'>('single');
  return (
    <section className="screen screen-new" aria-label="New update">
      <div className="toolbar">
        <div className="tabs" role="tablist">
          <button type="button" role="tab" aria-selected={mode === 'single'} className={`tab${mode === 'single' ? ' tab-active' : ''}`} onClick={() => setMode('single')}>
            One order
          </button>
          <button type="button" role="tab" aria-selected={mode === 'bulk'} className={`tab${mode === 'bulk' ? ' tab-active' : ''}`} onClick={() => setMode('bulk')}>
            Bulk: paste or CSV
          </button>
        </div>
      </div>
      {mode === 'single' ? <UpdateForm defaultCompany={status?.company ?? 'USMF'} /> : <BulkImport />}
    </section>
  );
}
