import { loadConfig } from '../config.js';
import { openDatabase } from '../db/index.js';
import { migrateToLatest } from '../db/migrate.js';
import { seedDemo } from '../../seeds/demo.js';

const config = loadConfig();
const handle = openDatabase(config.databaseUrl);
try {
  await migrateToLatest(handle.db);
  const seeded = await seedDemo(handle.db, new Date(), { mustChangePassword: config.env === 'production' });
  console.log(seeded ? 'Demo data seeded.' : 'Demo data already present: nothing to do.');
} finally {
  await handle.close();
}
