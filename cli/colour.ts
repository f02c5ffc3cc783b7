/**
 * Colour for people at a terminal, none for pipes and files: on when stdout
 * (or stderr, for messages) is a terminal, off with NO_COLOR, forced on or off
 * with FORCE_COLOR (read by config/, passed here at start). The escape codes
 * are node:util's own table (inspect.colors); the choice is made here, not by
 * styleText, whose own checks differ between Node versions. Not pure (asks
 * whether the stream is a terminal).
 */
import { inspect } from 'node:util';

type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan';

let forced: boolean | undefined;

/** The configuration's choice: true (FORCE_COLOR), false (NO_COLOR, FORCE_COLOR=0), undefined (terminals only). */
export function setColour(choice: boolean | undefined): void {
  forced = choice;
}

/** Whether text for this stream is coloured. */
export function colourOn(stream: { isTTY?: boolean } = process.stdout): boolean {
  return forced ?? stream.isTTY === true;
}

/** `text` in `style` when colour is on for the stream, else as it is. */
export function paint(style: Style, text: string, stream: { isTTY?: boolean } = process.stdout): string {
  const codes = inspect.colors[style];
  return colourOn(stream) && text !== '' && codes ? `\u001b[${codes[0]}m${text}\u001b[${codes[1]}m` : text;
}
