"""Harness that renders Helm charts and checks what their NetworkPolicies mean.

Modules, each with one job:
  tools     -- where the helm binary is and what it can do
  render    -- run `helm template`/`install` with a content-keyed cache
  matrix    -- value matrices (pairwise feature combinations, values examples)
  validate  -- values schema, Kubernetes schema (strict), API-server rules
  apirules  -- the NetworkPolicy checks the API server makes and schemas do not
  model     -- a cluster built from manifests (namespaces, pods, policies)
  evaluate  -- who may reach whom, with exact Kubernetes semantics
  kubeapi   -- an in-memory Kubernetes API server for `lookup` tests
"""
