import { describe, expect, it } from 'vitest';
import { parseKeyArg } from '../../cli/key-arg.js';

describe('typemap row --key', () => {
  it.each([
    ['film_id=1', [['film_id', '1']]],
    [
      'a=1,b=x',
      [
        ['a', '1'],
        ['b', 'x'],
      ],
    ],
    [' a = 1', [['a', ' 1']]],
    ['expr=x=y', [['expr', 'x=y']]],
    ['"Key Part"=a', [['Key Part', 'a']]],
    ['"Key Part"="a,b=c"', [['Key Part', 'a,b=c']]],
    ['"say ""hi"""="""q"""', [['say "hi"', '"q"']]],
    [
      'a=,b=2',
      [
        ['a', ''],
        ['b', '2'],
      ],
    ],
    [
      '{"Key Part":"a,b","id":7,"ok":true}',
      [
        ['Key Part', 'a,b'],
        ['id', '7'],
        ['ok', 'true'],
      ],
    ],
  ])('%s', (text, pairs) => {
    expect(parseKeyArg(text)).toEqual(pairs);
  });

  it.each([
    ['film_id', 'expected "column=value'],
    ['=1', 'expected "column=value'],
    ['"Key Part=a', 'unclosed double quote'],
    ['a="x"y', 'expected "," after the quoted value of "a"'],
    ['a=1,a=2', 'column "a" is given twice'],
    ['{"a":null}', 'the value of "a" must be a string, number or boolean'],
    ['{"a":', 'not valid JSON'],
    ['{}', 'no column given'],
  ])('refuses %s', (text, message) => {
    expect(() => parseKeyArg(text)).toThrow(message);
  });
});
