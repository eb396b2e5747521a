// The Electron entry (bundled to dist/main/index.cjs). The CLI and serve mode start elsewhere.
import { runDesktop } from './electron/desktop';

runDesktop();
