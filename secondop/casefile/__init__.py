"""The top layer: what composes the apps below it (a case's dashboard row, its whole timeline, its exports,
the deletion of an account). Nothing below imports from here; see the README's "Architecture"."""
