/**
 * The 35 Maths Hubs of 2018/19 and their lead schools, by region, as listed in
 * the appendix of seed 000. Data validated by the `MathsHub` schema at load.
 * Pure.
 */
import { MathsHub } from './schema.js';
import { ValidationError } from '../errors.js';

export { FIVE_BIG_IDEAS, SCALE } from './facts.js';
export type { MathsHub } from './schema.js';

/** The hub's name without the " Maths Hub" suffix, as a URL-safe id: "East Midlands East Maths Hub" -> "east-midlands-east". Pure. */
export function hubSlug(name: string): string {
  return name
    .trim()
    .replace(/\s+maths\s+hub$/i, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/['’.]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

// Region -> [hub name, lead school(s)], in the appendix's order.
const APPENDIX: Record<string, [string, string][]> = {
  'South West': [
    ['Cornwall and West Devon Maths Hub', 'Truro and Penwith College'],
    ['Jurassic Maths Hub', 'The Woodroffe School, Lyme Regis'],
    ['Boolean Maths Hub', 'Bristol Metropolitan Academy, Bristol'],
    ['GLOW Maths Hub', 'Balcarras Teaching School, Cheltenham'],
  ],
  'West Midlands': [
    ['Central Maths Hub', 'Bishop Challoner Catholic College, Birmingham'],
    ['Salop and Herefordshire Maths Hub', 'The Priory School, Shrewsbury'],
    ['North Mids and Peaks Maths Hub', 'Painsley Catholic College, Cheadle, Staffordshire'],
  ],
  'North West': [
    ['North West One Maths Hub', 'Altrincham Grammar School for Girls'],
    ['North West Two Maths Hub', 'Ashton on Mersey School, Manchester'],
    ['North West Three Maths Hub', 'St Helen’s Teaching School Alliance'],
    ['North North West Maths Hub', 'Lancaster Royal Grammar School'],
  ],
  'North East': [
    ['Great North Maths Hub', 'North Tyneside Learning Trust'],
    ['Archimedes NE Maths Hub', 'Carmel College, Darlington'],
  ],
  'Yorkshire and the Humber': [
    ['Yorkshire Ridings Maths Hub', 'Harrogate Grammar School'],
    ['West Yorkshire Maths Hub', 'Trinity Academy, Halifax'],
    ['Yorkshire and the Humber Maths Hub', 'Outwood Grange Academies Trust, Wakefield'],
    ['South Yorkshire Maths Hub', 'Notre Dame High School, Sheffield'],
  ],
  'East Midlands': [
    ['East Midlands West Maths Hub', 'George Spencer Academy & Technology College, Stapleford, Nottinghamshire'],
    ['East Midlands East Maths Hub', 'The Minster School, Southwell, Nottinghamshire'],
    ['East Midlands South Maths Hub', 'Beauchamp College, Oadby, Leicestershire'],
  ],
  'East of England': [
    ['Enigma Maths Hub', 'Denbigh School, Milton Keynes'],
    ['Cambridge Maths Hub', 'Comberton Village College, Cambridge'],
    ['Matrix Essex and Herts Maths Hub', 'The Hertfordshire and Essex High School & Science College, Bishop’s Stortford'],
    ['Norfolk and Suffolk Maths Hub', 'Sir Isaac Newton Sixth Form, Norwich with Kesgrave High School, Ipswich'],
  ],
  'South East': [
    ['Bucks, Berks and Oxon Maths Hub', 'Wycombe High School, High Wycombe'],
    ['Surrey Plus Maths Hub', 'St John the Baptist Catholic Comprehensive School, Woking'],
    ['Solent Maths Hub', 'The Mary Rose Academy, Portsmouth'],
    ['Sussex Maths Hub', 'St Paul’s Catholic College, Burgess Hill'],
    ['Kent and Medway Maths Hub', 'Sir Joseph Williamson’s Mathematical School, Rochester'],
  ],
  London: [
    ['London North East Maths Hub', 'Elmhurst Primary School, Newham'],
    ['London Central and NW Maths Hub', 'The St. Marylebone CE School, Westminster'],
    ['London Central and West Maths Hub', 'Fox Primary School, Kensington & Chelsea'],
    ['London South West Maths Hub', 'Belleville Primary School with Chesterton Primary School, Wandsworth'],
    ['London Thames Maths Hub', 'Harris Federation, Croydon'],
    ['London South East Maths Hub', 'Redriff Primary School with City of London Academy, Southwark'],
  ],
};

/** The 35 Maths Hubs (2018/19, seed 000), in the appendix's order. */
export const hubs: readonly MathsHub[] = Object.freeze(
  Object.entries(APPENDIX).flatMap(([region, list]) =>
    list.map(([name, leadSchool]) => MathsHub.parse({ id: hubSlug(name), name, region, leadSchool, source: '000' })),
  ),
);

/** The regions, in the appendix's order. */
export const regions: readonly string[] = Object.freeze(Object.keys(APPENDIX));

{
  const ids = new Set(hubs.map((h) => h.id));
  if (ids.size !== hubs.length) throw new Error('hubs.ts: two Maths Hubs share an id');
}

const byKey = new Map<string, MathsHub>();
for (const h of hubs) {
  byKey.set(h.id, h);
  byKey.set(h.name.toLowerCase(), h);
  byKey.set(hubSlug(h.name), h);
}

/**
 * The hub named by an id ("east-midlands-east"), a name with or without "Maths
 * Hub" ("East Midlands East", "east midlands east maths hub"), in any case; or
 * undefined. Pure.
 */
export function findHub(nameOrId: string): MathsHub | undefined {
  const key = nameOrId.trim().replace(/\s+/g, ' ').toLowerCase();
  return byKey.get(key) ?? byKey.get(hubSlug(key));
}

function unknownHub(field: string, value: string): never {
  throw new ValidationError(
    [{ path: field, message: `must be one of the 35 Maths Hubs (${hubs.map((h) => h.id).join(', ')})`, value, severity: 'error' }],
    'Maths Hub',
  );
}

/** The hub with this id; throws a ValidationError listing the known ids otherwise. Pure. */
export function hubById(id: string): MathsHub {
  const h = hubs.find((x) => x.id === id);
  return h ?? unknownHub('hub', id);
}

/** The hub with this name or id (case-insensitive, "Maths Hub" optional); throws a ValidationError listing the known ids otherwise. Pure. */
export function hubByName(nameOrId: string): MathsHub {
  return findHub(nameOrId) ?? unknownHub('hub', nameOrId);
}

/** The hubs of each region, in the appendix's order. Pure. */
export function hubsByRegion(): { region: string; hubs: MathsHub[] }[] {
  return regions.map((region) => ({ region, hubs: hubs.filter((h) => h.region === region) }));
}
