import { checkScriptResult, refusalOf, StoreError, StoreErrorCode } from './errors';

describe('script results', () => {
  it('turns a known negative code into the StoreError it names', () => {
    const refusal = refusalOf(-2, 'msg_1');
    expect(refusal).toBeInstanceOf(StoreError);
    expect(refusal.code).toBe(StoreErrorCode.StaleLease);
    expect(refusal.message).toContain('msg_1');
    expect(() => checkScriptResult(-1, 'msg_1')).toThrow(expect.objectContaining({ code: StoreErrorCode.NotFound }));
    expect(checkScriptResult(3, 'msg_1')).toBe(3);
  });

  it('refuses to pass an unknown or missing code off as a refusal', () => {
    expect(() => refusalOf(-9, 'msg_1')).toThrow('unexpected script result -9 for msg_1');
    expect(() => refusalOf(undefined, 'msg_1')).toThrow('unexpected script result undefined for msg_1');
    expect(() => checkScriptResult(-9, 'msg_1')).toThrow('unexpected script result -9 for msg_1');
  });
});
