// `npx pm2 start examples/pm2/ecosystem.config.cjs` from the repository's root.
module.exports = {
  apps: [
    {
      name: 'pm2-example',
      script: './app.ts',
      cwd: __dirname,
      // TypeScript through tsx: PM2 7 refuses a .ts script on Node 20 unless an interpreter is named.
      interpreter: 'node',
      node_args: ['--import', 'tsx'],
      exec_mode: 'cluster',
      instances: 2,
      // PM2 stops an instance with SIGINT, then SIGKILLs it this long after: longer than the app's drain (GRACE_MS).
      kill_timeout: 5000,
    },
  ],
};
