/**
 * `npm run bench -- <name>`: runs one benchmark. Each prints its figures next
 * to a peer tool's, measured in the same run.
 */
const benches: Record<string, { about: string; run: () => Promise<void> }> = {
  introspect: {
    about: 'catalog introspection (ops-console schema) against pg_dump --schema-only, 40 schemas x 50 tables',
    run: async () => (await import('./introspect')).run(),
  },
  keyset: {
    about: 'keyset pagination against OFFSET on a 5-million-row table',
    run: async () => (await import('./keyset')).run(),
  },
  snapshot: {
    about: 'a full snapshot capture of 1.7 million rows against pg_dump --data-only to a file',
    run: async () => (await import('./snapshot')).run(),
  },
  sled: {
    about: 'Sled import of a generated 1 000 000-entry export: staging and load against psql \\copy of the same rows',
    run: async () => (await import('./sled')).run(),
  },
  supervisor: {
    about: 'backend crash detection, restart and log push against raw child_process, a naive loop and a pipe',
    run: async () => (await import('./supervisor')).run(),
  },
};

function usage(): string {
  const lines = Object.entries(benches).map(([name, bench]) => `  ${name.padEnd(12)} ${bench.about}`);
  return `usage: npm run bench -- <name>\n\n${lines.join('\n')}\n`;
}

async function main(): Promise<number> {
  const name = process.argv[2];
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const bench = Object.prototype.hasOwnProperty.call(benches, name) ? benches[name] : undefined;
  if (!bench) {
    process.stderr.write(`error: no benchmark named ${JSON.stringify(name)}\n${usage()}`);
    return 2;
  }
  await bench.run();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
