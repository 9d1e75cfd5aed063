import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { graphql } from '../../../generated/web';
import { describeError } from '../apollo/gateway-errors';
import type { PinstackContext } from '../apollo/links';
import { useSessionStore } from '../app-context';
import { Field } from '../components/Field';
import { Link } from '../router';
import { startSession } from './signed-in';

const LoginMutation = graphql(`
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      ...SignedIn
    }
  }
`);

export function SignIn() {
  const session = useSessionStore();
  const [login, { loading, error }] = useMutation(LoginMutation, { context: { anonymous: true } satisfies PinstackContext });
  const [form, setForm] = useState({ email: '', password: '' });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { data } = await login({ variables: { input: form } }).catch(() => ({ data: undefined }));
    if (!data) return;
    startSession(session, data.login);
  };

  return (
    <section className="auth-card" data-testid="sign-in">
      <h1>Sign in to Pinstack</h1>
      <form onSubmit={submit}>
        <Field label="E-mail" type="email" autoComplete="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={form.password}
          onChange={(e) => setForm({ ...form, password: e.target.value })}
        />
        {error && (
          <p role="alert" className="form-error">
            {describeError(error)}
          </p>
        )}
        <button type="submit" className="primary" disabled={loading}>
          {loading ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p className="aside">
        New here? <Link to="/signup">Create an account</Link>
      </p>
    </section>
  );
}
