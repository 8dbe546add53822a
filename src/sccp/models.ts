/**
 * What the server needs to know per phone model: its name for the console and how many
 * programmable buttons it has (sccp-protocol.md §6.2 and §10).
 */

/** A phone model as Linekey knows it. */
export interface ModelInfo {
  /** Display name as in `sccp show devices` ("7941GE"). */
  readonly name: string;
  /** Register.deviceType value (sccp-protocol.md §9.1). */
  readonly deviceType: number;
  /** Physical programmable line/feature buttons (side-cars excluded). */
  readonly lineButtons: number;
  /** Menu speed dials the phone asks for even when no button is configured (7912: 4). */
  readonly menuSpeedDials: number;
  /** Typical Register.protocolVersion of its SCCP firmware (used by the virtual phone). */
  readonly typicalProtocol: number;
}

const MODELS: readonly ModelInfo[] = [
  { name: "7905", deviceType: 20000, lineButtons: 1, menuSpeedDials: 4, typicalProtocol: 7 },
  { name: "7906", deviceType: 369, lineButtons: 1, menuSpeedDials: 0, typicalProtocol: 22 },
  { name: "7911", deviceType: 307, lineButtons: 1, menuSpeedDials: 0, typicalProtocol: 22 },
  { name: "7912", deviceType: 30007, lineButtons: 1, menuSpeedDials: 4, typicalProtocol: 7 },
  { name: "7940", deviceType: 8, lineButtons: 2, menuSpeedDials: 0, typicalProtocol: 11 },
  { name: "7941", deviceType: 115, lineButtons: 2, menuSpeedDials: 0, typicalProtocol: 22 },
  { name: "7941GE", deviceType: 309, lineButtons: 2, menuSpeedDials: 0, typicalProtocol: 22 },
  { name: "7960", deviceType: 7, lineButtons: 6, menuSpeedDials: 0, typicalProtocol: 11 },
  { name: "7961", deviceType: 30018, lineButtons: 6, menuSpeedDials: 0, typicalProtocol: 22 },
  { name: "7961GE", deviceType: 308, lineButtons: 6, menuSpeedDials: 0, typicalProtocol: 22 },
  { name: "7942", deviceType: 434, lineButtons: 2, menuSpeedDials: 0, typicalProtocol: 22 },
  { name: "7945", deviceType: 435, lineButtons: 2, menuSpeedDials: 0, typicalProtocol: 22 },
  { name: "7962", deviceType: 404, lineButtons: 6, menuSpeedDials: 0, typicalProtocol: 22 },
  { name: "7965", deviceType: 436, lineButtons: 6, menuSpeedDials: 0, typicalProtocol: 22 },
  { name: "7970", deviceType: 30006, lineButtons: 8, menuSpeedDials: 0, typicalProtocol: 22 },
  { name: "7971", deviceType: 119, lineButtons: 8, menuSpeedDials: 0, typicalProtocol: 22 },
  { name: "7975", deviceType: 437, lineButtons: 8, menuSpeedDials: 0, typicalProtocol: 22 },
  { name: "CIPC", deviceType: 30016, lineButtons: 8, menuSpeedDials: 0, typicalProtocol: 20 },
];

const BY_TYPE = new Map(MODELS.map((m) => [m.deviceType, m]));
const BY_NAME = new Map(MODELS.map((m) => [m.name.toUpperCase(), m]));

/** Model of a Register.deviceType, or undefined for a type Linekey has no profile for. */
export function modelByType(deviceType: number): ModelInfo | undefined {
  return BY_TYPE.get(deviceType);
}

/** Model by name ("7941GE", case-insensitive; "7941G-GE" accepted). */
export function modelByName(name: string): ModelInfo | undefined {
  const n = name.toUpperCase().replace(/^CP-?/, "").replace("G-GE", "GE");
  return BY_NAME.get(n) ?? BY_NAME.get(n.replace(/G$/, ""));
}

/** Every model with a profile, in table order. */
export function allModels(): readonly ModelInfo[] {
  return MODELS;
}

/** The models of the seed's phone list (sccp-protocol.md scope). */
export const SEED_MODELS = [
  "7905",
  "7906",
  "7911",
  "7912",
  "7940",
  "7941",
  "7941GE",
  "7960",
  "7961",
] as const;
