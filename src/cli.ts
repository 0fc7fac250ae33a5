#!/usr/bin/env node
// `classify` needs only the pattern engine; every other command loads the whole bot.
const { main } =
  process.argv[2] === 'classify'
    ? await import('./cli/classify-program.js')
    : await import('./cli/program.js');

process.exitCode = await main(process.argv);
