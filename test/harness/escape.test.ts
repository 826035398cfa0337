import { describe, expect, it } from "vitest";
import { cell, code, codeCell, fenced, shellQuote } from "../../harness/report/escape.js";

describe("markdown escaping", () => {
  it("keeps a hostile name inside one table cell", () => {
    const c = cell("evil|name`with\nnewline<script>");
    expect(c).not.toMatch(/(?<!\\)\|/);
    expect(c).not.toContain("\n");
    expect(c).not.toContain("<script>");
    expect(c).toContain("\\|");
    expect(c).toContain("\\`");
  });
  it("wraps backticks in a longer code fence", () => {
    expect(code("a`b")).toBe("``a`b``");
    expect(code("`x`")).toBe("`` `x` ``");
    expect(codeCell("a|b")).toBe("`a\\|b`");
  });
  it("fences blocks that contain fences", () => {
    const f = fenced("```\ninside\n```");
    expect(f.startsWith("````text\n")).toBe(true);
    expect(f.endsWith("\n````")).toBe(true);
  });
  it("quotes argv for a shell", () => {
    expect(shellQuote(["node", "a b", "it's", "x=1"])).toBe("node 'a b' 'it'\\''s' x=1");
  });
});
