import type { Config } from './config.js';
import type { Db, Dialect } from './db/index.js';
import type { Logger } from './log.js';

/** What the app needs from the outside world; tests build their own. */
export interface Deps {
  config: Config;
  db: Db;
  dialect: Dialect;
  /** The application clock: every `now` comes from here, never from the database. */
  clock: () => Date;
  log: Logger;
}
