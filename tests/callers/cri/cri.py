#!/usr/bin/python3
"""A small CRI client for tests/callers/cri.bats: one gRPC call of the
kubelet's API (runtime.v1) per run, its answer printed as one JSON line
(snake_case field names, defaults included, 64-bit integers as strings).

    cri.py SUBCOMMAND ARGS...
    cri.py serve FIFO      (the same, for many requests: see serve)

Requests are read as JSON documents of the API's messages (a file, or - for
stdin), so the tests write pod and container configs with jq. The client
code (cri_api_pb2*.py) is generated at test time by client.sh; its
directory is $CRI_CLIENT. The socket is $CRI_SOCK.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.environ.get("CRI_CLIENT", "/var/cache/roci-cri/py"))

import grpc  # noqa: E402
from google.protobuf import json_format  # noqa: E402

import cri_api_pb2 as api  # noqa: E402
import cri_api_pb2_grpc as api_grpc  # noqa: E402

DEADLINE = float(os.environ.get("CRI_DEADLINE", "180"))


def load(path, message):
    """Parse the JSON document at path (- is stdin) into a new message."""
    text = sys.stdin.read() if path == "-" else open(path).read()
    return json_format.Parse(text, message())


def emit(message, **extra):
    doc = json_format.MessageToDict(message, preserving_proto_field_name=True,
                                    including_default_value_fields=True)
    doc.update(extra)
    print(json.dumps(doc, sort_keys=True))


def runp(rt, args):
    cfg = load(args[0], api.PodSandboxConfig)
    emit(rt.RunPodSandbox(api.RunPodSandboxRequest(config=cfg), timeout=DEADLINE))


def pstatus(rt, args):
    emit(rt.PodSandboxStatus(api.PodSandboxStatusRequest(pod_sandbox_id=args[0], verbose=True),
                             timeout=DEADLINE))


def stopp(rt, args):
    emit(rt.StopPodSandbox(api.StopPodSandboxRequest(pod_sandbox_id=args[0]), timeout=DEADLINE))


def rmp(rt, args):
    emit(rt.RemovePodSandbox(api.RemovePodSandboxRequest(pod_sandbox_id=args[0]), timeout=DEADLINE))


def pods(rt, args):
    emit(rt.ListPodSandbox(api.ListPodSandboxRequest(), timeout=DEADLINE))


def create(rt, args):
    """create POD_ID CONTAINER_CONFIG POD_CONFIG"""
    req = api.CreateContainerRequest(pod_sandbox_id=args[0],
                                     config=load(args[1], api.ContainerConfig),
                                     sandbox_config=load(args[2], api.PodSandboxConfig))
    emit(rt.CreateContainer(req, timeout=DEADLINE))


def run(rt, args):
    """run POD_ID CONTAINER_CONFIG POD_CONFIG: create, then start"""
    req = api.CreateContainerRequest(pod_sandbox_id=args[0],
                                     config=load(args[1], api.ContainerConfig),
                                     sandbox_config=load(args[2], api.PodSandboxConfig))
    cid = rt.CreateContainer(req, timeout=DEADLINE).container_id
    rt.StartContainer(api.StartContainerRequest(container_id=cid), timeout=DEADLINE)
    print(json.dumps({"container_id": cid}))


def start(rt, args):
    emit(rt.StartContainer(api.StartContainerRequest(container_id=args[0]), timeout=DEADLINE))


def status(rt, args):
    emit(rt.ContainerStatus(api.ContainerStatusRequest(container_id=args[0]), timeout=DEADLINE))


def ps(rt, args):
    emit(rt.ListContainers(api.ListContainersRequest(), timeout=DEADLINE))


def exec_sync(rt, args):
    """exec-sync ID TIMEOUT CMD... (stdout and stderr as text)"""
    req = api.ExecSyncRequest(container_id=args[0], timeout=int(args[1]), cmd=args[2:])
    resp = rt.ExecSync(req, timeout=DEADLINE + int(args[1]))
    print(json.dumps({"stdout": resp.stdout.decode(errors="replace"),
                      "stderr": resp.stderr.decode(errors="replace"),
                      "exit_code": resp.exit_code}, sort_keys=True))


def stats(rt, args):
    emit(rt.ContainerStats(api.ContainerStatsRequest(container_id=args[0]), timeout=DEADLINE))


def update(rt, args):
    """update ID LINUX_CONTAINER_RESOURCES"""
    req = api.UpdateContainerResourcesRequest(container_id=args[0],
                                              linux=load(args[1], api.LinuxContainerResources))
    emit(rt.UpdateContainerResources(req, timeout=DEADLINE))


def stop(rt, args):
    """stop ID TIMEOUT: also prints the seconds the call took"""
    t0 = time.monotonic()
    resp = rt.StopContainer(api.StopContainerRequest(container_id=args[0], timeout=int(args[1])),
                            timeout=DEADLINE + int(args[1]))
    emit(resp, elapsed=time.monotonic() - t0)


def rm(rt, args):
    emit(rt.RemoveContainer(api.RemoveContainerRequest(container_id=args[0]), timeout=DEADLINE))


def version(rt, args):
    emit(rt.Version(api.VersionRequest(), timeout=DEADLINE))


def runtime_status(rt, args):
    emit(rt.Status(api.StatusRequest(verbose=True), timeout=DEADLINE))


def images(img, args):
    emit(img.ListImages(api.ListImagesRequest(), timeout=DEADLINE))


RUNTIME = {
    "version": version, "info": runtime_status,
    "runp": runp, "pstatus": pstatus, "stopp": stopp, "rmp": rmp, "pods": pods,
    "create": create, "start": start, "run": run, "status": status, "ps": ps,
    "exec-sync": exec_sync, "stats": stats, "update": update, "stop": stop, "rm": rm,
}
IMAGE = {"images": images}


def call(ch, args):
    """Run one subcommand (args: name, then its arguments) on channel ch;
    its status: 0, 1 for an error of the call, 2 for a bad subcommand."""
    if not args or (args[0] not in RUNTIME and args[0] not in IMAGE):
        print("usage: cri.py {%s} ARGS... | serve FIFO" % ",".join(sorted({**RUNTIME, **IMAGE})),
              file=sys.stderr)
        return 2
    try:
        if args[0] in RUNTIME:
            RUNTIME[args[0]](api_grpc.RuntimeServiceStub(ch), args[1:])
        else:
            IMAGE[args[0]](api_grpc.ImageServiceStub(ch), args[1:])
    except grpc.RpcError as e:
        print("cri.py %s: %s: %s" % (args[0], e.code().name, e.details()), file=sys.stderr)
        return 1
    except (OSError, ValueError, IndexError, json_format.ParseError) as e:
        print("cri.py %s: %s" % (args[0], e), file=sys.stderr)
        return 2
    return 0


def serve(ch, fifo):
    """Answer requests from the fifo, one at a time, with one process and
    one channel (each run of this script costs a second of imports; many
    times that in the emulated test VM). A request is one line, a JSON
    object: "args", the subcommand and its arguments, and "reply", a path:
    the answer goes to REPLY.out, REPLY.err and REPLY.rc, then one line to
    the fifo REPLY (see crictl in cri.bats)."""
    import contextlib
    import io
    # made here, open before it has its name: a request written to it
    # before a reader opened it would be lost. Opened read and write: no
    # end-of-file when a client closes its end.
    tmp = fifo + ".new"
    os.mkfifo(tmp, 0o600)
    fd = os.open(tmp, os.O_RDWR)
    os.rename(tmp, fifo)
    with open(fd, "r") as requests:
        for line in requests:
            try:
                req = json.loads(line)
                reply, args = req["reply"], req["args"]
            except (ValueError, KeyError, TypeError) as e:
                print("cri.py serve: bad request %r: %s" % (line, e), file=sys.stderr)
                continue
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                rc = call(ch, args)
            for ext, text in (("out", out.getvalue()), ("err", err.getvalue()), ("rc", "%d\n" % rc)):
                with open(reply + "." + ext, "w") as f:
                    f.write(text)
            try:
                fd = os.open(reply, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as e:
                print("cri.py serve: no client at %s: %s" % (reply, e), file=sys.stderr)
                continue
            os.write(fd, b"done\n")
            os.close(fd)


def main(argv):
    with grpc.insecure_channel("unix://" + os.environ["CRI_SOCK"]) as ch:
        if len(argv) == 3 and argv[1] == "serve":
            serve(ch, argv[2])
            return 0
        return call(ch, argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
