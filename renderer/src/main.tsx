import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { startBackendStores } from './features/backend/backend-hooks';
import { createErrorReporter, describeThrown, installErrorReporting } from './error-reporting';
import { keepDroppedFilesInPage } from './features/files/dropped-files';
import { startStores, writeRendererError } from './stores';

const report = createErrorReporter({ write: writeRendererError });
installErrorReporting(window, report);
keepDroppedFilesInPage(window);
startStores();
startBackendStores();

const onViewError = (error: unknown, componentStack: string) =>
  report(`A view failed to render: ${describeThrown(error)}${componentStack ? `\n${componentStack.trim()}` : ''}`);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App onViewError={onViewError} />
  </StrictMode>,
);
