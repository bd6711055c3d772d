import { useState } from 'preact/hooks';
import { api, Session } from '../api';
import { ErrorText, PageTitle, useAction } from '../ui';

/** The staff token goes to the server once and is forgotten: the session lives in an HttpOnly cookie. */
export function SignInPage(props: { onSignedIn: (session: Session) => void }) {
  const [token, setToken] = useState('');
  const action = useAction();
  return (
    <main id="main" class="narrow">
      <PageTitle>Sign in to the staff console</PageTitle>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void action.run(async () => {
            const session = await api.signIn(token.trim());
            setToken('');
            props.onSignedIn(session);
          });
        }}
      >
        <label for="staff-token">Staff token</label>
        <input
          id="staff-token"
          type="password"
          autoComplete="off"
          spellcheck={false}
          required
          value={token}
          onInput={(event) => setToken(event.currentTarget.value)}
          aria-describedby="staff-token-help"
        />
        <p id="staff-token-help" class="help">
          A staff token (kst_…), e.g. from <code>npm run cli -- staff-token create --name you</code>. It is
          exchanged for a session that ends when you sign out or after a while; the browser does not keep the
          token.
        </p>
        <ErrorText error={action.error} />
        <button type="submit" class="primary" disabled={action.busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
