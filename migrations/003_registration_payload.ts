import type { Kysely } from 'kysely';

/**
 * Self-registration keeps the details of step 1 (name, process, phone) with the emailed code until
 * the registrant proves the address and chooses a password; only then is the (inactive) client
 * account created. `verification_codes.payload` holds those details as JSON text.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('verification_codes').addColumn('payload', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('verification_codes').dropColumn('payload').execute();
}
