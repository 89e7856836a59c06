import { sql, type RawBuilder } from 'kysely';

/**
 * `column LIKE '%text%'` with the user's % and _ taken literally. '!' is the escape character because
 * a backslash means different things in MySQL and SQLite string literals.
 */
export function containsText(column: string, text: string): RawBuilder<boolean> {
  const pattern = `%${text.replace(/[!%_]/g, (ch) => `!${ch}`)}%`;
  return sql<boolean>`${sql.ref(column)} like ${pattern} escape '!'`;
}
