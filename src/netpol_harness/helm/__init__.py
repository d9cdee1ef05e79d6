"""Running helm: which binary (`binary`), `helm template` with a cache (`template`, `cache`),
real installs (`install`), a controlled resolver (`resolver`), Helm 4's SDK in-process (`sdk`)."""
