/** One schema change. `id` sorts in apply order and never changes once released; neither does `sql`. */
export interface Migration {
  id: string;
  sql: string;
}
