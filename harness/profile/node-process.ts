/** Is a planned process a Node.js program? (0x and Clinic.js can only wrap those.) */
import { basename } from "node:path";
import type { ProcessSpec } from "../scenario/plan.js";

const NODE_BINARY = /^(node|nodejs)(\d+(\.\d+)*)?(\.exe)?$/;

export function isNodeSpec(spec: ProcessSpec, execPath = process.execPath): boolean {
  if (spec.shell) return false; // a shell line: we cannot put a wrapper in front of the node inside it safely
  const cmd = spec.argv[0];
  if (!cmd) return false;
  return cmd === execPath || NODE_BINARY.test(basename(cmd));
}
