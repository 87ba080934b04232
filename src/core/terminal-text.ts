/**
 * Test names and error messages are written by whoever wrote the test (or the server it called),
 * and we print them to a terminal and to a CI log. There they must stay text: an escape sequence
 * can hide output, retitle the window or plant a hyperlink (OSC 8), and on GitHub Actions a line
 * that starts with `::` is run as a workflow command (`::warning::`, `::add-mask::`, …). Everything
 * we print from such text passes through `terminalText` (keeps line breaks) or `terminalLine` (one
 * line); the colours we add ourselves are added afterwards.
 */

/**
 * In this order: CSI (`ESC [` … final byte), the string sequences OSC, DCS, SOS, PM and APC up to
 * their terminator (BEL or ST) or the next ESC, any other ESC sequence, then every C0 and C1
 * control character but tab and line feed (CR too: it lets a line overwrite what came before it).
 * Each alternative stops at the next ESC, so the scan stays linear whatever the text.
 */
const CONTROL =
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b[\]PX^_][^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[ -/]*[0-~]|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g

/** A line's first non-blank characters `::` (GitHub's runner trims the line before it looks). */
const WORKFLOW_COMMAND_START = /(^|\n)([^\S\n]*):(?=:)/g

/**
 * Breaks the `::` with a zero-width space: the text reads the same to a person, and GitHub's
 * runner no longer sees a command.
 */
const BROKEN_COLONS = ':\u200b'

/** The text without control sequences; line breaks and tabs stay (for text encoded afterwards). */
export function stripControl(text: string): string {
  return text.replace(CONTROL, '')
}

/** User text for a terminal or CI log: no control sequences, and no line of it starts a workflow command. */
export function terminalText(text: string): string {
  const plain = stripControl(text)
  return plain.includes('::') ? plain.replace(WORKFLOW_COMMAND_START, `$1$2${BROKEN_COLONS}`) : plain
}

/** As terminalText, on one line: line breaks and tabs become spaces (a test name in a list). */
export function terminalLine(text: string): string {
  return terminalText(text.replace(/[\r\n\t]+/g, ' '))
}
