import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { graphql } from '../../../generated/web';
import { describeError, fieldErrors } from '../apollo/gateway-errors';
import type { PinstackContext } from '../apollo/links';
import { useSessionStore } from '../app-context';
import { Field, newIdempotencyKey } from '../components/Field';
import { Link } from '../router';
import { startSession } from './signed-in';

const RegisterMutation = graphql(`
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      ...SignedIn
    }
  }
`);

export function SignUp() {
  const session = useSessionStore();
  const [register, { loading, error }] = useMutation(RegisterMutation, { context: { anonymous: true } satisfies PinstackContext });
  const [form, setForm] = useState({ displayName: '', username: '', email: '', password: '' });
  // One key for this form's account: a second submit after a lost answer signs in to the account the first created.
  const [clientMutationId] = useState(newIdempotencyKey);
  // The gateway lists every invalid field at once (extensions.fields), each shown beside its input.
  const invalid = fieldErrors(error);
  const set = (name: keyof typeof form) => (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { data } = await register({ variables: { input: { ...form, clientMutationId } } }).catch(() => ({ data: undefined }));
    if (!data) return;
    startSession(session, data.register);
  };

  return (
    <section className="auth-card" data-testid="sign-up">
      <h1>Create your Pinstack account</h1>
      <form onSubmit={submit} noValidate>
        <Field label="Display name" autoComplete="name" value={form.displayName} onChange={set('displayName')} error={invalid.displayName} />
        <Field label="Username" autoComplete="username" value={form.username} onChange={set('username')} error={invalid.username} />
        <Field label="E-mail" type="email" autoComplete="email" value={form.email} onChange={set('email')} error={invalid.email} />
        <Field label="Password" type="password" autoComplete="new-password" value={form.password} onChange={set('password')} error={invalid.password} />
        {error && Object.keys(invalid).length === 0 && (
          <p role="alert" className="form-error">
            {describeError(error)}
          </p>
        )}
        <button type="submit" className="primary" disabled={loading}>
          {loading ? 'Creating…' : 'Sign up'}
        </button>
      </form>
      <p className="aside">
        Already have an account? <Link to="/signin">Sign in</Link>
      </p>
    </section>
  );
}
