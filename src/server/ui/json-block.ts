/**
 * Data for the page's scripts as a JSON data block (not executed, so the policy allows it).
 * `<` is escaped so that no string in the data can close the element.
 */
export function jsonBlock(id: string, data: unknown): string {
  const json = JSON.stringify(data).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
  return `<script type="application/json" id="${id}">${json}</script>`;
}
