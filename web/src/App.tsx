import { useEffect } from 'react';
import { useCurrentSession } from './app-context';
import { NavBar } from './components/NavBar';
import { navigate, usePath } from './router';
import { Feed } from './screens/Feed';
import { NewPost } from './screens/NewPost';
import { Notifications } from './screens/Notifications';
import { Profile } from './screens/Profile';
import { SignIn } from './screens/SignIn';
import { SignUp } from './screens/SignUp';

const PUBLIC_PATHS = new Set(['/signin', '/signup']);

/** The screens, by path; every screen but signing in and up needs a session. */
export function App() {
  const path = usePath();
  const session = useCurrentSession();
  const needsSignIn = !session && !PUBLIC_PATHS.has(path);
  const signedInOnPublic = session && PUBLIC_PATHS.has(path);

  useEffect(() => {
    if (needsSignIn) navigate('/signin', { replace: true });
    else if (signedInOnPublic) navigate('/', { replace: true });
  }, [needsSignIn, signedInOnPublic]);
  if (needsSignIn || signedInOnPublic) return null;

  const profile = /^\/users\/([^/]+)$/.exec(path);
  let screen;
  if (path === '/signin') screen = <SignIn />;
  else if (path === '/signup') screen = <SignUp />;
  else if (path === '/') screen = <Feed />;
  else if (path === '/new') screen = <NewPost />;
  else if (path === '/notifications') screen = <Notifications />;
  else if (profile) screen = <Profile key={profile[1]} userId={decodeURIComponent(profile[1]!)} />;
  else screen = <p className="notice">There is nothing at this address.</p>;

  return (
    <>
      {session && <NavBar />}
      <main className="page">{screen}</main>
    </>
  );
}
