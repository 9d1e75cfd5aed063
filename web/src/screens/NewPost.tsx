import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { graphql } from '../../../generated/web';
import { describeError, fieldErrors } from '../apollo/gateway-errors';
import { useCurrentSession } from '../app-context';
import { Field, newIdempotencyKey } from '../components/Field';
import { navigate } from '../router';

const CreatePostMutation = graphql(`
  mutation CreatePost($input: CreatePostInput!) {
    createPost(input: $input) {
      id
    }
  }
`);

export function NewPost() {
  const session = useCurrentSession();
  const [createPost, { loading, error }] = useMutation(CreatePostMutation);
  const [form, setForm] = useState({ title: '', description: '', imageUrl: '' });
  // One key per post being written: resending after a lost answer returns the post the first send created.
  const [clientMutationId] = useState(newIdempotencyKey);
  const invalid = fieldErrors(error);
  const set = (name: keyof typeof form) => (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const me = session?.user.id;
    const { data } = await createPost({
      variables: { input: { ...form, clientMutationId } },
      update(cache) {
        // The author's profile lists recent posts: read it afresh.
        if (me) cache.evict({ id: cache.identify({ __typename: 'Profile', user: { __typename: 'User', id: me } }) });
      },
    }).catch(() => ({ data: undefined }));
    if (data && me) navigate(`/users/${encodeURIComponent(me)}`);
  };

  return (
    <section className="auth-card" data-testid="new-post">
      <h1>New post</h1>
      <form onSubmit={submit} noValidate>
        <Field label="Title" value={form.title} onChange={set('title')} error={invalid.title} />
        <Field label="Description" value={form.description} onChange={set('description')} error={invalid.description} />
        <Field label="Image URL" type="url" placeholder="https://…" value={form.imageUrl} onChange={set('imageUrl')} error={invalid.imageUrl} />
        {error && Object.keys(invalid).length === 0 && (
          <p role="alert" className="form-error">
            {describeError(error)}
          </p>
        )}
        <button type="submit" className="primary" disabled={loading}>
          {loading ? 'Publishing…' : 'Publish'}
        </button>
      </form>
    </section>
  );
}
