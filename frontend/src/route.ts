// The panel's own paths below /integration-reliability.

export type View =
  | { kind: "overview" }
  | { kind: "integration"; id: string }
  | { kind: "engine" };

export function parseRoute(path: string): View {
  const parts = path.split("/").filter(Boolean);
  if (parts[0] === "integration" && parts[1]) {
    return { kind: "integration", id: decodeURIComponent(parts[1]) };
  }
  if (parts[0] === "engine") return { kind: "engine" };
  return { kind: "overview" };
}

