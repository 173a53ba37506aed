/**
 * A small reader for the parts of a FlatBuffers schema (`.fbs`) that `src/model/tflite/schema.ts`
 * mirrors: enum values, union member order and table field ids. Enough for TFLite's schema.fbs,
 * not a general parser: no includes, no structs, no explicit `(id: N)` attributes (the file has none;
 * the reader fails on one rather than numbering fields wrongly).
 */

export interface FbsSchema {
  fileIdentifier: string | undefined;
  /** enum name → member name → value. */
  enums: Map<string, Map<string, number>>;
  /** union name → member type names in declaration order (NONE excluded). */
  unions: Map<string, string[]>;
  /** table name → field name → field id (a union field `f` takes `f_type` = id, `f` = id + 1). */
  tables: Map<string, Map<string, number>>;
}

/** Parses `source`; throws on a declaration it cannot read. */
export function parseFbs(source: string): FbsSchema {
  const text = source.replace(/\/\/[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
  const schema: FbsSchema = {
    fileIdentifier: /file_identifier\s+"([^"]*)"\s*;/.exec(text)?.[1],
    enums: new Map(),
    unions: new Map(),
    tables: new Map(),
  };
  for (const m of text.matchAll(/\benum\s+(\w+)\s*:\s*\w+\s*(?:\([^)]*\))?\s*\{([^}]*)\}/g)) {
    schema.enums.set(m[1]!, enumMembers(m[1]!, m[2]!));
  }
  for (const m of text.matchAll(/\bunion\s+(\w+)\s*\{([^}]*)\}/g)) {
    const members = m[2]!
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    schema.unions.set(m[1]!, members);
  }
  for (const m of text.matchAll(/\btable\s+(\w+)\s*\{([^}]*)\}/g)) {
    schema.tables.set(m[1]!, tableFields(m[1]!, m[2]!, schema.unions));
  }
  return schema;
}

function enumMembers(name: string, body: string): Map<string, number> {
  const out = new Map<string, number>();
  let next = 0;
  for (const part of body.split(',')) {
    const s = part.trim();
    if (s === '') continue;
    const m = /^(\w+)\s*(?:=\s*(-?\d+))?\s*(?:\([^)]*\))?$/.exec(s);
    if (m === null) throw new Error(`enum ${name}: cannot read member '${s}'`);
    const value = m[2] === undefined ? next : Number(m[2]);
    out.set(m[1]!, value);
    next = value + 1;
  }
  return out;
}

function tableFields(name: string, body: string, unions: Map<string, string[]>): Map<string, number> {
  const out = new Map<string, number>();
  let id = 0;
  for (const part of body.split(';')) {
    const s = part.trim();
    if (s === '') continue;
    const m = /^(\w+)\s*:\s*(\[?\s*[\w.]+\s*\]?)/.exec(s);
    if (m === null) throw new Error(`table ${name}: cannot read field '${s}'`);
    if (/\bid\s*:/.test(s.slice(m[0].length)))
      throw new Error(`table ${name}: explicit ids are not supported`);
    const type = m[2]!.replace(/\s/g, '');
    if (unions.has(type)) out.set(`${m[1]!}_type`, id++);
    out.set(m[1]!, id++);
  }
  return out;
}
