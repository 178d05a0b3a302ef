// `node --import tsx --import ./test/support/loaded-modules.mjs …` appends the URL of every module
// the process loads to the file named by LOADED_MODULES_FILE (test/start.test.ts: what a
// production start loads).
import { register } from 'node:module';

register('./loaded-modules-hooks.mjs', import.meta.url, { data: { out: process.env.LOADED_MODULES_FILE } });
