/** GitLab's access levels (roles), as its API reports them. */
export const ROLE = {
  guest: 10,
  reporter: 20,
  developer: 30,
  maintainer: 40,
  owner: 50,
} as const;
