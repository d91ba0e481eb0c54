import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.tsx';
import { connectToAgent } from './transport.ts';
import './styles.css';

const connection = connectToAgent(window);
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App api={connection.api} onNavigate={connection.onNavigate} desktopAlerts={connection.kind === 'http'} />
  </StrictMode>,
);
