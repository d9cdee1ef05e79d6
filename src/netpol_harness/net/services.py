"""A Service as a destination: policies never see the Service, only the pod port it
translates to, on each pod it selects.

`svc:NS/NAME:PORT` names a Service port; the verdict is the pod verdict on every
selected pod's target port (a number, or the pod's container port of that name).
"""
from __future__ import annotations

from dataclasses import dataclass

from .cluster import External, Pod, Service, ServicePort
from .dataplanes import Dataplane
from .endpoints import EndpointRef
from .query import Query
from .verdict import Verdict


@dataclass(frozen=True)
class Backend:
    pod: str
    target_port: int | None  # None: the pod declares no port by that name
    verdict: Verdict | None
    mapping: str  # "443/TCP -> targetPort http = 8080"


@dataclass(frozen=True)
class ServiceVerdict:
    src: str
    service: str
    port: int
    protocol: str
    backends: tuple[Backend, ...]
    notes: tuple[str, ...] = ()  # how the dataplane sees the translation

    @property
    def allowed(self) -> bool:
        """Every pod behind the Service takes the connection (and there is one)."""
        return bool(self.backends) and all(b.verdict is not None and b.verdict.allowed for b in self.backends)

    @property
    def denied(self) -> bool:
        """No pod behind the Service takes the connection."""
        return not any(b.verdict is not None and b.verdict.allowed for b in self.backends)

    def explain(self) -> str:
        word = "ALLOWED" if self.allowed else ("DENIED" if self.denied else "PARTLY ALLOWED")
        lines = [f"{word}: {self.src} -> {self.service}:{self.port}/{self.protocol}"]
        if not self.backends:
            lines.append("  the Service selects no pod: nothing answers")
        for b in self.backends:
            if b.verdict is None:
                lines.append(f"  {b.pod}: {b.mapping}: the pod declares no such port, so the Service sends nothing there")
            else:
                lines.append(f"  {b.pod}: {b.mapping}")
                lines.extend("    " + line for line in b.verdict.explain().splitlines())
        lines.extend(f"  {note}" for note in self.notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.explain().splitlines()[0]


def parse_service_ref(ref: str) -> tuple[str, int | None]:
    """"svc:ns/name:443" -> ("svc:ns/name", 443); the port may be left out."""
    body = ref[len("svc:"):] if ref.startswith("svc:") else ref
    name, sep, port = body.rpartition(":")
    if sep and port.isdigit():
        return f"svc:{name}", int(port)
    return f"svc:{body}", None


def target_port(service_port: ServicePort, pod: Pod) -> tuple[int | None, str]:
    """The pod port a Service port lands on (None: the pod declares no port of that
    name), and the mapping in words ("80/TCP -> targetPort http = 8080")."""
    head = f"{service_port.port}/{service_port.protocol} -> targetPort {service_port.target}"
    if isinstance(service_port.target, int) or str(service_port.target).isdigit():
        return int(service_port.target), head
    numbers = pod.named_ports.get((str(service_port.target), service_port.protocol))
    if not numbers:
        return None, head
    number = min(numbers)
    return number, f"{head} = {number}"


def check_service(query: Query, src: EndpointRef, ref: str, port: int | None, protocol: str) -> ServiceVerdict:
    service_id, ref_port = parse_service_ref(ref)
    cluster = query.cluster
    service: Service | None = cluster.service(service_id)
    if service is None:
        known = ", ".join(s.id for s in cluster.services) or "none"
        raise KeyError(f"no Service {service_id} in the cluster (Services: {known})")
    number = ref_port if ref_port is not None else port
    service_port = service.port(int(number), protocol) if number is not None else None
    if service_port is None:
        offered = ", ".join(f"{p.port}/{p.protocol}" for p in service.ports) or "none"
        raise KeyError(f"{service_id} has no port {number}/{protocol} (it offers {offered})")
    source = query.resolve(src)
    backends = []
    for pod in cluster.service_pods(service):
        target, mapping = target_port(service_port, pod)
        verdict = query.check(source, pod, target, protocol) if target is not None else None
        backends.append(Backend(pod.id, target, verdict, mapping))
    if isinstance(service_port.target, int) or str(service_port.target).isdigit():
        for address in service.addresses:
            target = int(service_port.target)
            verdict = query.check(source, External(address), target, protocol)
            backends.append(Backend(f"ip:{address}", target, verdict, f"{service_port.port}/{protocol} -> {target}"))
    return ServiceVerdict(source.id, service.id, service_port.port, protocol, tuple(backends),
                          translation_notes(query.dataplane, service, service_port, backends))


def translation_notes(dataplane: Dataplane, service: Service, service_port: ServicePort,
                      backends: list[Backend]) -> tuple[str, ...]:
    """Where the Service's port is not its endpoints', say how the dataplane judges it."""
    if all(b.target_port in (None, service_port.port) for b in backends):
        return ()
    dns = dataplane.dns
    notes = [dataplane.note("dns")] if dataplane.has("dns") and (service.namespace, service.name) == (
        dns.namespace, dns.name) else []
    if dataplane.after_dnat:
        return (*notes, f"{dataplane.note('service-translation')}: judged on the endpoints' port")
    return (*notes, f"not modelled: {dataplane.note('service-translation')}: judged here on the endpoints' port, "
            "as the CNIs with a profile do")
