/**
 * The pages' content security policy: what a page may load. The page plugin
 * gives it to helmet, which adds a nonce for scripts; a status page served
 * outside the pages (an unknown address) sends it itself, without scripts,
 * instead of the API's policy that would block its stylesheet. Pure.
 */

/** Helmet's form of the pages' policy (directive names in camelCase). */
export const PAGE_CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  objectSrc: ["'none'"],
};

/** The pages' policy as a header value with no scripts allowed: for a page sent without helmet's nonce. Pure. */
export function scriptlessPageCsp(): string {
  const directives = { ...PAGE_CSP_DIRECTIVES, scriptSrc: ["'none'"] };
  return Object.entries(directives)
    .map(([name, values]) => `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${values.join(' ')}`)
    .join('; ');
}
