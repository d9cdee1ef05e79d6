"""A seeded synthetic cluster as plain manifests (Namespaces, Pods, NetworkPolicies): the
input of the evaluator benchmarks (`make bench`, scripts/bench_evaluator.py) and of scale
measurements. Same seed, same cluster.
"""
from __future__ import annotations

import random
from typing import Any

APPS = [f"app-{i}" for i in range(12)]
TIERS = ("frontend", "backend", "data", "ops")
TEAMS = ("red", "blue", "green", "gold", "grey")
ENVS = ("dev", "stage", "prod")
PORT_NAMES = ("http", "grpc", "metrics", "dns")
PORT_NUMBERS = (53, 80, 443, 5432, 8080, 9090)
CIDRS = ("0.0.0.0/0", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "203.0.113.0/24")
PROBE = (8080, "TCP")


def synthetic_cluster(pods: int, namespaces: int, policies: int, seed: int) -> list[dict[str, Any]]:
    """Namespaces, Pods and NetworkPolicies as manifests; same seed, same cluster.

    Policies use only what NCA reads the upstream way (explicit policyTypes in NCA's order,
    no Exists/DoesNotExist in a podSelector next to a namespaceSelector), so both tools
    answer the same question.
    """
    rnd = random.Random(seed)
    ns_names = [f"ns-{i:02d}" for i in range(namespaces)]
    docs: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace",
         "metadata": {"name": n, "labels": {"team": rnd.choice(TEAMS), "env": rnd.choice(ENVS)}}}
        for n in ns_names
    ]
    for i in range(pods):
        names = rnd.sample(PORT_NAMES, rnd.randint(0, 2))
        ports = [{"name": n, "containerPort": rnd.choice(PORT_NUMBERS), "protocol": "UDP" if n == "dns" else "TCP"} for n in names]
        docs.append({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"pod-{i:04d}", "namespace": ns_names[i % namespaces],
                         "labels": {"app": rnd.choice(APPS), "tier": rnd.choice(TIERS), **({"canary": "true"} if rnd.random() < 0.1 else {})}},
            "spec": {"containers": [{"name": "main", "image": "registry.invalid/app", "ports": ports}]},
        })
    for i in range(policies):
        docs.append(_policy(rnd, f"policy-{i:03d}", ns_names[i % namespaces], ns_names))
    return docs


def _selector(rnd: random.Random, key_ops: bool = True) -> dict[str, Any]:
    kind = rnd.random()
    if kind < 0.15:
        return {}
    if kind < 0.6:
        return {"matchLabels": {"app": rnd.choice(APPS)}}
    if kind < 0.8:
        return {"matchLabels": {"tier": rnd.choice(TIERS)}, "matchExpressions": [{"key": "app", "operator": "In", "values": rnd.sample(APPS, 3)}]}
    if key_ops:
        return {"matchExpressions": [{"key": "canary", "operator": rnd.choice(("Exists", "DoesNotExist"))}]}
    return {"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": [rnd.choice(TIERS)]}]}


def _peer(rnd: random.Random, ns_names: list[str]) -> dict[str, Any]:
    kind = rnd.random()
    if kind < 0.35:
        return {"podSelector": _selector(rnd)}
    if kind < 0.55:
        return {"namespaceSelector": rnd.choice(({"matchLabels": {"team": rnd.choice(TEAMS)}},
                                                 {"matchLabels": {"kubernetes.io/metadata.name": rnd.choice(ns_names)}}))}
    if kind < 0.85:
        return {"namespaceSelector": {"matchLabels": {"env": rnd.choice(ENVS)}}, "podSelector": _selector(rnd, key_ops=False)}
    cidr = rnd.choice(CIDRS)
    return {"ipBlock": {"cidr": cidr, **({"except": ["10.244.0.0/16"]} if cidr in ("0.0.0.0/0", "10.0.0.0/8") else {})}}


def _ports(rnd: random.Random) -> list[dict[str, Any]]:
    out = []
    for _ in range(rnd.randint(1, 2)):
        kind = rnd.random()
        if kind < 0.5:
            out.append({"protocol": "TCP", "port": rnd.choice(PORT_NUMBERS)})
        elif kind < 0.75:
            name = rnd.choice(PORT_NAMES)
            out.append({"protocol": "UDP" if name == "dns" else "TCP", "port": name})
        else:
            low = rnd.choice(PORT_NUMBERS)
            out.append({"protocol": "TCP", "port": low, "endPort": low + rnd.choice((10, 100, 1000))})
    return out


def _policy(rnd: random.Random, name: str, namespace: str, ns_names: list[str]) -> dict[str, Any]:
    types = rnd.choice((["Ingress"], ["Ingress"], ["Egress"], ["Ingress", "Egress"]))
    spec: dict[str, Any] = {"podSelector": _selector(rnd), "policyTypes": types}
    for policy_type, key, peer_key in (("Ingress", "ingress", "from"), ("Egress", "egress", "to")):
        if policy_type in types:
            rules = []
            for _ in range(rnd.randint(0, 3)):
                rule: dict[str, Any] = {}
                if rnd.random() < 0.9:
                    rule[peer_key] = [_peer(rnd, ns_names) for _ in range(rnd.randint(1, 3))]
                if rnd.random() < 0.8:
                    rule["ports"] = _ports(rnd)
                rules.append(rule)
            spec[key] = rules
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def synthetic_admin_policies(count: int, namespaces: int, seed: int) -> list[dict[str, Any]]:
    """`count` cluster-wide admin policies over the namespaces of `synthetic_cluster`: a
    mix of AdminNetworkPolicies and Admin/Baseline ClusterNetworkPolicies with distinct
    priorities, each selecting a team's or an environment's namespaces, with Allow/Deny/Pass
    rules on pods, namespaces and networks, plus one BaselineAdminNetworkPolicy."""
    rnd = random.Random(seed)
    ns_names = [f"ns-{i:02d}" for i in range(namespaces)]
    docs = [_admin_policy(rnd, k, ns_names) for k in range(max(count - 1, 0))]
    if count:
        docs.append({"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "BaselineAdminNetworkPolicy",
                     "metadata": {"name": "default"},
                     "spec": {"subject": {"namespaces": {}},
                              "ingress": [{"action": "Deny", "from": [{"namespaces": {}}]}]}})
    return docs


def _admin_policy(rnd: random.Random, k: int, ns_names: list[str]) -> dict[str, Any]:
    v2 = rnd.random() < 0.5
    key = rnd.choice(("team", "env"))
    subject = {"namespaces": {"matchLabels": {key: rnd.choice(TEAMS if key == "team" else ENVS)}}}
    rules: dict[str, list] = {"ingress": [], "egress": []}
    for direction, peer_key in (("ingress", "from"), ("egress", "to")):
        for _ in range(rnd.randint(1, 3)):
            action = rnd.choice(("Accept" if v2 else "Allow", "Deny", "Pass"))
            peer = rnd.choice(({"namespaces": {"matchLabels": {"team": rnd.choice(TEAMS)}}},
                               {"pods": {"namespaceSelector": {}, "podSelector": {"matchLabels": {"app": rnd.choice(APPS)}}}},
                               {"networks": [rnd.choice(CIDRS)]} if direction == "egress" else
                               {"namespaces": {"matchLabels": {"kubernetes.io/metadata.name": rnd.choice(ns_names)}}}))
            rule = {"action": action, peer_key: [peer]}
            if rnd.random() < 0.5:
                port = rnd.choice(PORT_NUMBERS)
                rule["protocols" if v2 else "ports"] = ([{"tcp": {"destinationPort": {"number": port}}}] if v2
                                                        else [{"portNumber": {"protocol": "TCP", "port": port}}])
            rules[direction].append(rule)
    spec: dict[str, Any] = {"priority": k % 1001, "subject": subject, **rules}
    if v2:
        spec["tier"] = rnd.choice(("Admin", "Admin", "Baseline"))
    return {"apiVersion": f"policy.networking.k8s.io/{'v1alpha2' if v2 else 'v1alpha1'}",
            "kind": "ClusterNetworkPolicy" if v2 else "AdminNetworkPolicy",
            "metadata": {"name": f"admin-{k:03d}"}, "spec": spec}


# --------------------------------------------------------------------------- a cluster at scale

SCALE_TEAMS = tuple(f"team-{i:02d}" for i in range(24))
SCALE_APPS = tuple(f"svc-{i:03d}" for i in range(400))
# The pod network of the cluster at scale (room for a million pods), and a network outside it.
POD_CIDR = "10.32.0.0/12"
HASH_CHARS = "bcdfghjklmnpqrstvwxz2456789"  # the alphabet Kubernetes names generated objects from


def scale_cluster(pods: int = 100_000, policies: int = 40_000, namespaces: int = 3_000,
                  seed: int = 11) -> list[dict[str, Any]]:
    """A cluster the size of a large production one, as manifests: `namespaces` labelled
    Namespaces; Pods in ReplicaSets of 1-50 replicas (owned by their ReplicaSet, sharing its
    labels: app and a pod-template-hash no policy reads), each with a podIP in POD_CIDR; and
    NetworkPolicies selecting by app and by namespace labels, about 10% with ipBlocks (some
    on pod-network ranges with excepts). Same arguments, same cluster."""
    rnd = random.Random(seed)
    ns_docs = [_scale_namespace(rnd, k) for k in range(namespaces)]
    ns_names = [d["metadata"]["name"] for d in ns_docs]
    apps_in: dict[str, list[str]] = {n: [] for n in ns_names}
    docs: list[dict[str, Any]] = list(ns_docs)
    made = 0
    while made < pods:
        size = min(pods - made, 1 + int(49 * rnd.random() ** 3))  # mostly small sets, a few of 50
        namespace = ns_names[rnd.randrange(namespaces)]
        app = rnd.choice(SCALE_APPS)
        apps_in[namespace].append(app)
        docs += _replica_set(rnd, namespace, app, size, made)
        made += size
    for i in range(policies):
        namespace = ns_names[i % namespaces]
        docs.append(_scale_policy(rnd, f"np-{i:05d}", namespace, apps_in[namespace]))
    return docs


def _scale_namespace(rnd: random.Random, k: int) -> dict[str, Any]:
    labels = {"team": rnd.choice(SCALE_TEAMS), "env": rnd.choice(ENVS),
              **({"monitoring": "enabled"} if rnd.random() < 0.3 else {})}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"ns-{k:04d}", "labels": labels}}


def _suffix(rnd: random.Random, length: int) -> str:
    return "".join(rnd.choice(HASH_CHARS) for _ in range(length))


def _replica_set(rnd: random.Random, namespace: str, app: str, size: int, first: int) -> list[dict[str, Any]]:
    template_hash = _suffix(rnd, 10)
    owner = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"{app}-{template_hash}",
             "uid": f"00000000-0000-4000-8000-{first:012d}", "controller": True, "blockOwnerDeletion": True}
    labels = {"app": app, "pod-template-hash": template_hash}
    ports = [{"name": "http", "containerPort": 8080, "protocol": "TCP"},
             {"name": "metrics", "containerPort": 9090, "protocol": "TCP"}]
    out = []
    for k in range(first, first + size):
        ip = f"10.{32 + (k >> 16)}.{(k >> 8) & 255}.{k & 255}"
        out.append({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": f"{app}-{template_hash}-{_suffix(rnd, 5)}", "namespace": namespace,
                                 "labels": dict(labels), "ownerReferences": [dict(owner)]},
                    "spec": {"containers": [{"name": app, "image": f"registry.invalid/{app}:1", "ports": ports}]},
                    "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]}})
    return out


def _scale_peer(rnd: random.Random, ip_block: bool) -> dict[str, Any]:
    if ip_block:
        if rnd.random() < 0.5:  # a slice of the pod network, less one of its /20s
            base = rnd.randrange(16)
            hole = f"10.{32 + base}.{16 * rnd.randrange(16)}.0/20"
            return {"ipBlock": {"cidr": f"10.{32 + base}.0.0/16", "except": [hole]}}
        cidr = rnd.choice(("0.0.0.0/0", "192.168.0.0/16", "203.0.113.0/24"))
        return {"ipBlock": {"cidr": cidr, **({"except": [POD_CIDR]} if cidr == "0.0.0.0/0" else {})}}
    kind = rnd.random()
    app = {"matchLabels": {"app": rnd.choice(SCALE_APPS)}}
    if kind < 0.4:
        return {"podSelector": app}
    if kind < 0.6:
        return {"namespaceSelector": {"matchLabels": {"team": rnd.choice(SCALE_TEAMS)}}}
    if kind < 0.9:
        return {"namespaceSelector": {"matchLabels": {"env": rnd.choice(ENVS)}}, "podSelector": app}
    return {"namespaceSelector": {"matchLabels": {"monitoring": "enabled"}}}


def _scale_policy(rnd: random.Random, name: str, namespace: str, apps: list[str]) -> dict[str, Any]:
    # Default-deny for a namespace now and then; otherwise one of the namespace's own apps.
    selector = {} if not apps or rnd.random() < 0.08 else {"matchLabels": {"app": rnd.choice(apps)}}
    types = rnd.choice((["Ingress"], ["Ingress"], ["Ingress"], ["Egress"], ["Ingress", "Egress"]))
    with_ip_block = rnd.random() < 0.1
    spec: dict[str, Any] = {"podSelector": selector, "policyTypes": types}
    for policy_type, key, peer_key in (("Ingress", "ingress", "from"), ("Egress", "egress", "to")):
        if policy_type not in types:
            continue
        rules = []
        for r in range(rnd.randint(1, 2)):
            peers = [_scale_peer(rnd, with_ip_block and r == 0 and p == 0) for p in range(rnd.randint(1, 2))]
            port = rnd.choice(({"port": 8080, "protocol": "TCP"}, {"port": "http", "protocol": "TCP"},
                               {"port": 9090, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}))
            rules.append({peer_key: peers, "ports": [port]})
        spec[key] = rules
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


# --------------------------------------------------------------------------- as kubectl writes it

STAMP = "2026-11-02T09:14:07Z"


def kubectl_list(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """`objects` as `kubectl get ... -o yaml|json` gives them: a `kind: List` whose items carry
    what the API server adds (uid, resourceVersion, creationTimestamp, managedFields, the
    defaulted pod spec, status), so a reader is measured on the bytes a real dump has."""
    return {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""},
            "items": [_served(obj, k) for k, obj in enumerate(objects)]}


def _served(obj: dict[str, Any], k: int) -> dict[str, Any]:
    meta = {**obj["metadata"], "creationTimestamp": STAMP, "resourceVersion": str(1_000_000 + k),
            "uid": f"5e1c0a2e-{k >> 16:04x}-4{k >> 4 & 0xfff:03x}-8{k & 0xf:03x}-{k:012x}"}
    manager = {"Pod": "kube-controller-manager", "Namespace": "kubectl-create"}.get(obj["kind"], "kubectl")
    meta["managedFields"] = [{"apiVersion": obj["apiVersion"], "fieldsType": "FieldsV1", "manager": manager,
                              "operation": "Update", "time": STAMP, "fieldsV1": _fields_of(obj.get("spec") or {})}]
    served = {**obj, "metadata": meta}
    if obj["kind"] == "Pod":
        served["spec"], served["status"] = _pod_spec(obj["spec"], k), _pod_status(obj, k)
        meta["generateName"] = meta["name"][:-5]
        meta["managedFields"].append({"apiVersion": "v1", "fieldsType": "FieldsV1", "manager": "kubelet",
                                      "operation": "Update", "subresource": "status", "time": STAMP,
                                      "fieldsV1": _fields_of(served["status"])})
    elif obj["kind"] == "Namespace":
        served["spec"], served["status"] = {"finalizers": ["kubernetes"]}, {"phase": "Active"}
        meta["labels"] = {**meta.get("labels", {}), "kubernetes.io/metadata.name": meta["name"]}
    return served


def _fields_of(value: Any) -> Any:
    # managedFields' FieldsV1 shape: every key as "f:key", leaves as {}.
    if isinstance(value, dict):
        return {f"f:{key}": _fields_of(v) for key, v in value.items()}
    return {}


def _pod_spec(spec: dict[str, Any], k: int) -> dict[str, Any]:
    containers = [{**c, "imagePullPolicy": "IfNotPresent",
                   "resources": {"limits": {"memory": "256Mi"}, "requests": {"cpu": "50m", "memory": "128Mi"}},
                   "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
                   "volumeMounts": [{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                                     "name": "kube-api-access", "readOnly": True}]} for c in spec["containers"]]
    return {"containers": containers, "dnsPolicy": "ClusterFirst", "enableServiceLinks": True,
            "nodeName": f"node-{k % 500:03d}", "preemptionPolicy": "PreemptLowerPriority", "priority": 0,
            "restartPolicy": "Always", "schedulerName": "default-scheduler", "securityContext": {},
            "serviceAccount": "default", "serviceAccountName": "default", "terminationGracePeriodSeconds": 30,
            "tolerations": [{"effect": "NoExecute", "key": f"node.kubernetes.io/{key}", "operator": "Exists",
                             "tolerationSeconds": 300} for key in ("not-ready", "unreachable")],
            "volumes": [{"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}}]}}]}


def _pod_status(obj: dict[str, Any], k: int) -> dict[str, Any]:
    conditions = [{"lastProbeTime": None, "lastTransitionTime": STAMP, "status": "True", "type": kind}
                  for kind in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")]
    containers = [{"containerID": f"containerd://{k:064x}", "image": c["image"],
                   "imageID": f"{c['image']}@sha256:{k:064x}",
                   "lastState": {}, "name": c["name"], "ready": True, "restartCount": 0, "started": True,
                   "state": {"running": {"startedAt": STAMP}}} for c in obj["spec"]["containers"]]
    host = f"192.168.{k % 500 >> 8}.{k % 500 & 255}"
    return {**obj.get("status", {}), "conditions": conditions, "containerStatuses": containers, "hostIP": host,
            "hostIPs": [{"ip": host}], "qosClass": "Burstable", "startTime": STAMP}
