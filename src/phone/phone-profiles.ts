/**
 * How each phone family registers (sccp-flows.md §1.1 rule 5, sccp-protocol.md §10): which
 * requests it sends, in which order, with which message forms.
 */
import { modelByName, type ModelInfo } from "../sccp/models.ts";

/** Families with distinct registration behaviour. */
export type PhoneFamily = "7912" | "79x0" | "79x1";

/** What the virtual phone does for a model. */
export interface PhoneProfile {
  readonly model: ModelInfo;
  readonly family: PhoneFamily;
  /** Register.protocolVersion it offers. */
  readonly protocolVersion: number;
  /** Register body length it sends (52 for the 7912's SCCP 5 load, full layout otherwise). */
  readonly registerBodyLength: number | undefined;
  readonly phoneFeatures: number;
  readonly firmware: string;
  /** OffHook/OnHook/KeypadButton without line and call fields (7912, 7905). */
  readonly shortStimulus: boolean;
}

/** The profile for a model name ("7940", "7941GE", …). */
export function phoneProfile(modelName: string): PhoneProfile {
  const model = modelByName(modelName);
  if (!model) throw new Error(`unknown phone model '${modelName}'`);
  if (model.name === "7912" || model.name === "7905") {
    return {
      model,
      family: "7912",
      protocolVersion: 7,
      registerBodyLength: 52,
      phoneFeatures: 0x8100,
      firmware: model.name === "7912" ? "CP7912080004SCCP080108A" : "CP7905080003SCCP070409A",
      shortStimulus: true,
    };
  }
  if (model.name === "7940" || model.name === "7960") {
    return {
      model,
      family: "79x0",
      protocolVersion: 11,
      registerBodyLength: 68,
      phoneFeatures: 0x8560,
      firmware: "P00308010200",
      shortStimulus: false,
    };
  }
  return {
    model,
    family: "79x1",
    protocolVersion: model.typicalProtocol,
    registerBodyLength: undefined,
    phoneFeatures: 0x8570,
    firmware: model.name.startsWith("79") ? `SCCP${model.name.slice(2, 4)}.9-4-2SR3-1S` : "CIPC-2-1-1",
    shortStimulus: false,
  };
}
