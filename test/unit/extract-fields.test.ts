/** `extract_fields` strings to typed fields: MLflow's `<span name>.inputs/outputs` forms and `span.*` for the root span. */
import { describe, expect, it } from 'vitest';
import { parseExtractField, parseExtractFields } from '../../src/domain/extract-fields.ts';

describe('parseExtractFields', () => {
  it("reads the documents' span.* forms as the root span", () => {
    expect(
      parseExtractFields(['span.end_time', 'span.inputs.messages', 'span.outputs.choices', 'span.attributes.usage.total_tokens']),
    ).toEqual([
      { field: 'span.end_time', span: { root: true }, part: 'end_time', path: [] },
      { field: 'span.inputs.messages', span: { root: true }, part: 'inputs', path: ['messages'] },
      { field: 'span.outputs.choices', span: { root: true }, part: 'outputs', path: ['choices'] },
      { field: 'span.attributes.usage.total_tokens', span: { root: true }, part: 'attributes', path: ['usage', 'total_tokens'] },
    ]);
  });

  it("reads MLflow's <span name>.inputs/outputs forms, backticks keeping dots, and drops repeats", () => {
    expect(parseExtractFields(['predict.outputs.result', 'predict.outputs', '`my.span`.inputs.`a.b`', '`span`.inputs', 'predict.outputs'])).toEqual([
      { field: 'predict.outputs.result', span: { root: false, name: 'predict' }, part: 'outputs', path: ['result'] },
      { field: 'predict.outputs', span: { root: false, name: 'predict' }, part: 'outputs', path: [] },
      { field: '`my.span`.inputs.`a.b`', span: { root: false, name: 'my.span' }, part: 'inputs', path: ['a.b'] },
      { field: '`span`.inputs', span: { root: false, name: 'span' }, part: 'inputs', path: [] },
    ]);
    expect(parseExtractField('span.outputs.choices.0.message.content').path).toEqual(['choices', '0', 'message', 'content']);
    expect(parseExtractField('agent.start_time')).toEqual({ field: 'agent.start_time', span: { root: false, name: 'agent' }, part: 'start_time', path: [] });
  });

  it('names the index and the reason of a bad field', () => {
    const message = (fields: string[]) => {
      try {
        parseExtractFields(fields);
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(message(['span.inputs', 'predict'])).toBe(
      "extract_fields[1]: 'predict' names no span value: write <span name>.inputs[.<field>], <span name>.outputs[.<field>] or span.<part> for the root span",
    );
    expect(message(['openai.chat.inputs'])).toBe(
      "extract_fields[0]: 'openai.chat.inputs': unknown span part 'chat'; valid: inputs[.<path>], outputs[.<path>], attributes.<name>[.<path>], name, type, status, start_time, end_time",
    );
    expect(message(['span.name.x'])).toBe("extract_fields[0]: 'span.name.x': 'name' is a plain value and takes no path after it");
    expect(message(['span.attributes'])).toBe("extract_fields[0]: 'span.attributes': 'attributes' needs an attribute name, e.g. span.attributes.usage.total_tokens");
    expect(message(['span..inputs'])).toBe("extract_fields[0]: 'span..inputs' has an empty part (check for a leading, trailing or doubled dot)");
    expect(message(['a\u0000.inputs'])).toBe("extract_fields[0]: 'a\u0000.inputs' contains the character '\\u0000'");
    expect(message(Array.from({ length: 51 }, (_, i) => `s${i}.inputs`))).toBe('extract_fields: 51 fields; at most 50');
  });
});
