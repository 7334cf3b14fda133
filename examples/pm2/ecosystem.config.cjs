// `npx pm2 start examples/pm2/ecosystem.config.cjs` from the repository's root.
module.exports = {
  apps: [
    {
      name: 'pm2-example',
      script: './app.ts',
      cwd: __dirname,
      // Node 20 runs TypeScript through tsx; on Node >= 22.18 PM2 runs it as it is.
      interpreter: 'node',
      node_args: ['--import', 'tsx'],
      exec_mode: 'cluster',
      instances: 2,
      kill_timeout: 5000,
    },
  ],
};
