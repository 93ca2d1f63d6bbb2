/** XML 1.0 cannot carry most control characters even escaped; they are dropped rather than breaking the file. */
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function escapeXml(text: string): string {
  return (
    text
      .replace(INVALID_XML_CHARS, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
      // A parser reads a bare \r (or \r\n) in text as \n; as a reference it reads back as written.
      .replace(/\r/g, '&#13;')
  );
}

/**
 * Attribute values: a parser normalises a literal newline, carriage return or tab in an attribute to a
 * space (XML 1.0 §3.3.3), so a multi-line failure message would arrive on one line. As character
 * references they survive.
 */
export function escapeAttribute(text: string): string {
  return escapeXml(text).replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

export function attributes(attrs: Record<string, string | number | undefined>): string {
  return Object.entries(attrs)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => ` ${name}="${escapeAttribute(String(value))}"`)
    .join('');
}
