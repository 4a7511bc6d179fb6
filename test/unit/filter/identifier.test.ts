/**
 * Identifiers as users write them: every entity alias and attribute name, backticks, and the exact
 * message (with its suggestion) for an identifier that names nothing.
 */
import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../../src/domain/filter/index.ts';

const target = (identifier: string, rest = "= 'v'") => {
  const [c] = parseFilter(`${identifier} ${rest}`);
  const { comparator: _c, value: _v, ...t } = c!;
  return t;
};
const refusal = (text: string) => {
  try {
    parseFilter(text);
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
};
const ATTRIBUTE_KEYS = 'request_id, status, client_request_id, timestamp, timestamp_ms, execution_time, execution_time_ms, end_time, end_time_ms, name, run_id, text';

describe('identifier aliases', () => {
  it.each([
    ['request_id', { entity: 'attributes', key: 'request_id' }],
    ['client_request_id', { entity: 'attributes', key: 'client_request_id' }],
    ['attribute.status', { entity: 'attributes', key: 'status' }],
    ['`status`', { entity: 'attributes', key: 'status' }],
    ['tag.x', { entity: 'tags', key: 'x' }],
    ['request_metadata.x', { entity: 'metadata', key: 'x' }],
    ['`tags`.`a.b`', { entity: 'tags', key: 'a.b' }],
    ['span.type', { entity: 'span', key: 'type', attribute: null }],
    ['span.status', { entity: 'span', key: 'status', attribute: null }],
    ['span.`name`', { entity: 'span', key: 'name', attribute: null }],
    ['span.`attributes`.`x.y`', { entity: 'span', key: 'attributes', attribute: 'x.y' }],
  ])('%s', (identifier, expected) => {
    expect(target(identifier)).toEqual(expected);
  });

  it.each([
    ['trace.timestamp_ms', 'timestamp_ms'],
    ['timestamp_ms', 'timestamp_ms'],
    ['execution_time_ms', 'execution_time_ms'],
    ['end_time_ms', 'end_time_ms'],
    ['end_time', 'end_time_ms'],
  ])('%s is the numeric attribute %s', (identifier, key) => {
    expect(target(identifier, '> 1')).toEqual({ entity: 'attributes', key });
  });

  it('reads span content with LIKE', () => {
    expect(target('span.content', "LIKE '%a%'")).toEqual({ entity: 'span', key: 'content', attribute: null });
  });
});

describe('identifiers that name nothing', () => {
  it.each([
    ["foo.x = 'a'", "Invalid entity type 'foo' in 'foo.x'; valid: attributes, attribute, trace, tags, tag, metadata, request_metadata, span, feedback, expectation"],
    // Names inherited by every JavaScript object are not entities or attributes.
    ["constructor.x = 'a'", "Invalid entity type 'constructor' in 'constructor.x'; valid: attributes, attribute, trace, tags, tag, metadata, request_metadata, span, feedback, expectation"],
    [
      "toString = 'a'",
      `Invalid attribute key 'toString' in 'toString'; valid: ${ATTRIBUTE_KEYS}. Tags, metadata and assessments are filtered under their entity: tags.toString, metadata.toString, feedback.toString or expectation.toString`,
    ],
    ["tags. = 'a'", "Invalid identifier 'tags.': the key after 'tags.' is missing"],
    ["span.attributes. = 'a'", "Invalid identifier 'span.attributes.': the span attribute name is missing"],
    ["span.attributes = 'a'", "Invalid span key 'attributes' in 'span.attributes'; valid: name, type, status, content, attributes.<name>"],
    ["span.name.x = 'a'", "Invalid span key 'name.x' in 'span.name.x'; valid: name, type, status, content, attributes.<name>"],
    ["span.foo = 'a'", "Invalid span key 'foo' in 'span.foo'; valid: name, type, status, content, attributes.<name>"],
    ["ta`gs`.x = 'a'", "Invalid identifier 'ta`gs`.x': backticks must enclose a whole entity or key"],
    ["tags.a`b` = 'a'", "Invalid identifier 'tags.a`b`': backticks must enclose a whole entity or key"],
    ["tags.` = 'a'", "Invalid identifier 'tags.` = 'a'': missing closing backtick"],
    // A dot inside backticks does not split; backticks inside a backticked part are refused.
    [
      "`tags.x` = 'a'",
      `Invalid attribute key 'tags.x' in '\`tags.x\`'; valid: ${ATTRIBUTE_KEYS}. Tags, metadata and assessments are filtered under their entity: ` +
        'tags.`tags.x`, metadata.`tags.x`, feedback.`tags.x` or expectation.`tags.x`',
    ],
    ["span.`name.x` = 'a'", "Invalid span key '`name.x`' in 'span.`name.x`'; valid: name, type, status, content, attributes.<name>"],
    ["span.attributes.`` = 'a'", "Invalid identifier 'span.attributes.``': the span attribute name is missing"],
    ["tags.`a``b` = 'a'", "Invalid identifier 'tags.`a``b`': backticks must enclose a whole entity or key"],
  ])('%s', (text, message) => {
    expect(refusal(text)).toBe(message);
  });

  it('suggests expectation.<name> for ground-truth-like attribute names', () => {
    for (const key of ['expected_response', 'ground_truth', 'groundtruth', 'Reference_answer']) {
      expect(refusal(`attributes.${key} = 'a'`)).toBe(
        `Invalid attribute key '${key}' in 'attributes.${key}'; valid: ${ATTRIBUTE_KEYS}. Attributes are the trace's own fields; ` +
          `an expectation is filtered by its name: did you mean 'expectation.${key}'? (tags.${key} or metadata.${key} if it is a tag or metadata)`,
      );
    }
  });

  it('suggests every entity for other names, backticked when they need it and shortened past 100 characters', () => {
    expect(refusal("attributes.my-key = 'a'")).toBe(
      `Invalid attribute key 'my-key' in 'attributes.my-key'; valid: ${ATTRIBUTE_KEYS}. Tags, metadata and assessments are filtered under their entity: tags.my-key, metadata.my-key, feedback.my-key or expectation.my-key`,
    );
    expect(refusal("attributes.`my key` = 'a'")).toContain('entity: tags.`my key`, metadata.`my key`, feedback.`my key` or expectation.`my key`');
    const x100 = 'x'.repeat(100);
    expect(refusal(`attributes.${x100} = 'a'`)).toContain(`entity: tags.${x100}, metadata.${x100}, feedback.${x100} or expectation.${x100}`);
    expect(refusal(`attributes.${x100}x = 'a'`)).toContain('entity: tags.<name>, metadata.<name>, feedback.<name> or expectation.<name>');
  });
});
