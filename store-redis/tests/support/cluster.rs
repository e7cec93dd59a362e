//! A real Redis Cluster for the tests: three masters with one replica each, on free ports of
//! 127.0.0.1, made with `redis-cli --cluster create`; stopped (and its directories removed)
//! when dropped.

use super::{free_port, INSTALL_HINT};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One node of a cluster.
struct Node {
    child: Child,
    port: u16,
}

/// A running cluster.
pub struct RedisCluster {
    nodes: Vec<Node>,
    dir: PathBuf,
}

impl RedisCluster {
    /// Starts six nodes and makes them a cluster of three masters with a replica each.
    /// Panics (never skips) if `redis-server` or `redis-cli` is missing.
    pub fn start() -> Self {
        let first = free_port();
        let dir = std::env::temp_dir().join(format!(
            "keycard-redis-cluster-{}-{first}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("a directory for the cluster");
        let program =
            std::env::var("KEYCARD_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let mut nodes = Vec::new();
        for i in 0..6 {
            let port = if i == 0 { first } else { free_port() };
            let node_dir = dir.join(port.to_string());
            std::fs::create_dir_all(&node_dir).unwrap();
            let child = Command::new(&program)
                .args(["--port", &port.to_string()])
                .args(["--bind", "127.0.0.1"])
                .args(["--cluster-enabled", "yes"])
                .args(["--cluster-node-timeout", "1000"])
                .args(["--save", ""])
                .args(["--appendonly", "no"])
                .args(["--loglevel", "warning"])
                .arg("--dir")
                .arg(&node_dir)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn();
            let child = match child {
                Ok(child) => child,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                    panic!("{INSTALL_HINT}")
                }
                Err(error) => panic!("could not start {program}: {error}"),
            };
            nodes.push(Node { child, port });
        }
        let cluster = Self { nodes, dir };
        for node in &cluster.nodes {
            cluster.wait_for(node.port, ping);
        }
        let mut create = Command::new("redis-cli");
        create.args(["--cluster", "create"]);
        for node in &cluster.nodes {
            create.arg(format!("127.0.0.1:{}", node.port));
        }
        let out = create
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("redis-cli (apt-get install -y redis-tools): {e}"));
        assert!(
            out.status.success(),
            "redis-cli --cluster create: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        cluster.wait_until_healthy();
        cluster
    }

    /// `redis://127.0.0.1:<port>/` of every node.
    pub fn urls(&self) -> Vec<String> {
        self.nodes
            .iter()
            .map(|n| format!("redis://127.0.0.1:{}/", n.port))
            .collect()
    }

    /// The same, as `&str`s.
    pub fn url_refs(urls: &[String]) -> Vec<&str> {
        urls.iter().map(String::as_str).collect()
    }

    /// A plain connection to the node on `port`.
    pub fn node(&self, port: u16) -> redis::Connection {
        connect(port).expect("the node answers")
    }

    /// The master that serves `key`'s slot, and its replica: their ports.
    pub fn master_and_replica_of(&self, key: &str) -> (u16, u16) {
        let mut any = self.node(self.nodes[0].port);
        let slot: i64 = redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(key)
            .query(&mut any)
            .unwrap();
        let nodes: String = redis::cmd("CLUSTER").arg("NODES").query(&mut any).unwrap();
        let lines: Vec<Vec<&str>> = nodes
            .lines()
            .map(|l| l.split_whitespace().collect())
            .collect();
        let port_of = |fields: &[&str]| -> u16 {
            let addr = fields[1].split('@').next().unwrap();
            addr.rsplit(':').next().unwrap().parse().unwrap()
        };
        let master = lines
            .iter()
            .find(|f| {
                f[2].contains("master")
                    && f[8..].iter().any(|range| {
                        let mut ends = range.split('-').map(|n| n.parse::<i64>().unwrap_or(-1));
                        let start = ends.next().unwrap_or(-1);
                        let end = ends.next().unwrap_or(start);
                        (start..=end).contains(&slot)
                    })
            })
            .expect("a master for the slot");
        let replica = lines
            .iter()
            .find(|f| f[2].contains("slave") && f[3] == master[0])
            .expect("a replica of the master");
        (port_of(master), port_of(replica))
    }

    /// `CLUSTER FAILOVER` on the replica at `port` (a coordinated switch: it becomes master of
    /// its master's slots), and waits until the cluster agrees.
    pub fn fail_over_to(&self, port: u16) {
        let mut replica = self.node(port);
        let _: () = redis::cmd("CLUSTER")
            .arg("FAILOVER")
            .query(&mut replica)
            .unwrap();
        self.wait_for(port, |c| {
            let info: String = redis::cmd("ROLE")
                .query::<Vec<redis::Value>>(c)
                .ok()
                .map_or(String::new(), |role| match role.first() {
                    Some(redis::Value::BulkString(b)) => String::from_utf8_lossy(b).into_owned(),
                    _ => String::new(),
                });
            (info == "master").then_some(())
        });
        self.wait_until_healthy();
    }

    /// Waits until every node says the cluster is ok and knows all three replicas (news of
    /// them spreads by gossip, after `--cluster create` returns), and every replica is in
    /// sync with its master (a failover needs that).
    fn wait_until_healthy(&self) {
        for node in &self.nodes {
            self.wait_for(node.port, |c| {
                let info: String = redis::cmd("CLUSTER").arg("INFO").query(c).ok()?;
                let nodes: String = redis::cmd("CLUSTER").arg("NODES").query(c).ok()?;
                let replicas = nodes
                    .lines()
                    .filter(|l| l.contains("slave") && l.contains(" connected"))
                    .count();
                let role: Vec<redis::Value> = redis::cmd("ROLE").query(c).ok()?;
                let text = |v: Option<&redis::Value>| match v {
                    Some(redis::Value::BulkString(b)) => String::from_utf8_lossy(b).into_owned(),
                    _ => String::new(),
                };
                let in_sync = text(role.first()) != "slave" || text(role.get(3)) == "connected";
                (info.contains("cluster_state:ok") && replicas == 3 && in_sync).then_some(())
            });
        }
    }

    /// Waits (10 s at most) until `check` on the node at `port` gives something.
    fn wait_for<T>(&self, port: u16, mut check: impl FnMut(&mut redis::Connection) -> Option<T>) {
        let started = Instant::now();
        loop {
            if let Some(mut c) = connect(port) {
                if check(&mut c).is_some() {
                    return;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the cluster node on {port} did not get ready"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn connect(port: u16) -> Option<redis::Connection> {
    redis::Client::open(format!("redis://127.0.0.1:{port}/"))
        .and_then(|c| c.get_connection_with_timeout(Duration::from_secs(2)))
        .ok()
}

fn ping(c: &mut redis::Connection) -> Option<String> {
    redis::cmd("PING").query(c).ok()
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            let _ = node.child.kill();
            let _ = node.child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
