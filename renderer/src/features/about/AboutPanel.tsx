import { KeyValue } from '../../components/KeyValue';
import { useAbout } from '../../stores';

export function AboutPanel() {
  const info = useAbout((s) => s.info);
  const error = useAbout((s) => s.error);
  return (
    <section className="about" aria-label="About">
      <h2 className="about__title">About</h2>
      {info ? (
        <KeyValue
          compact
          items={[
            { label: 'Version', value: info.version, testId: 'app-version' },
            { label: 'Transport', value: info.transport, testId: 'app-transport' },
            { label: 'Data folder', value: info.dataDir, testId: 'app-data-dir', mono: true },
            { label: 'Log file', value: info.logFile, testId: 'app-log-file', mono: true },
            { label: 'Platform', value: `${info.platform}/${info.arch}`, testId: 'app-platform' },
          ]}
        />
      ) : error ? (
        <p className="about__error" title={error.hint}>
          App info unavailable: {error.message}
        </p>
      ) : (
        <p className="about__loading">Loading…</p>
      )}
    </section>
  );
}
