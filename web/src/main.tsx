import { ApolloProvider } from '@apollo/client/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createApolloClient } from './apollo/client';
import { SessionContext } from './app-context';
import { graphqlUrl } from './config';
import { SessionStore } from './session';
import './styles.css';

const session = new SessionStore();
const client = createApolloClient(session, graphqlUrl());
// However a session ends (signed out, or its tokens refused), nothing of it stays in the cache.
session.subscribe(() => {
  if (!session.get()) void client.clearStore();
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SessionContext.Provider value={session}>
      <ApolloProvider client={client}>
        <App />
      </ApolloProvider>
    </SessionContext.Provider>
  </StrictMode>,
);
