import { createDefaultRegistry, parseFilter, resolveFilter } from '../scim/core';
import { emailEqualities } from './user-storage';

const resolve = (text: string) => resolveFilter(parseFilter(text), createDefaultRegistry(), 'User');

describe('emailEqualities', () => {
  it.each([
    ['emails[type eq "work"].value eq "a@x.se"', ['a@x.se']],
    ['emails.value eq "a@x.se"', ['a@x.se']],
    ['emails eq "a@x.se"', ['a@x.se']],
    ['userName eq "u" and emails[value eq "a@x.se" and type eq "work"]', ['a@x.se']],
    ['emails.value eq "a@x.se" or userName eq "u"', []],
    ['not (emails.value eq "a@x.se")', []],
    ['emails.value co "a@x.se"', []],
    ['emails[type eq "work" or value eq "a@x.se"]', []],
  ])('finds the required e-mails of %s', (filter, expected) => {
    expect(emailEqualities(resolve(filter))).toEqual(expected);
  });
});
