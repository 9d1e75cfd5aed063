import { useQuery } from '@apollo/client/react';
import { useEffect, useId, useState } from 'react';
import { graphql } from '../../../generated/web';
import { Link } from '../router';

const SearchUsersQuery = graphql(`
  query SearchUsers($query: String!) {
    searchUsers(query: $query, first: 8) {
      id
      username
      displayName
    }
  }
`);

/** How long typing pauses before a search is sent. */
const DEBOUNCE_MS = 250;

/** Finds accounts by username or display name, as you type. */
export function UserSearch() {
  const id = useId();
  const [text, setText] = useState('');
  const [query, setQuery] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setQuery(text.trim()), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text]);
  const { data } = useQuery(SearchUsersQuery, { variables: { query }, skip: query === '' });
  // Cleared text hides the results at once, not after the pause.
  const results = query === '' || text.trim() === '' ? [] : (data?.searchUsers ?? []);

  return (
    <div className="search" role="search">
      <label htmlFor={id} className="visually-hidden">
        Find people
      </label>
      <input id={id} type="search" placeholder="Find people" value={text} onChange={(e) => setText(e.target.value)} autoComplete="off" />
      {results.length > 0 && (
        <ul className="search-results" aria-label="People found">
          {results.map((user) => (
            <li key={user.id}>
              <Link to={`/users/${encodeURIComponent(user.id)}`} onClick={() => setText('')}>
                <strong>{user.displayName}</strong> <span className="muted">@{user.username}</span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
