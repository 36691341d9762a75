/** "1 start", "2 starts": a count with its noun agreeing, for the report headings. */
export function counted(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}
