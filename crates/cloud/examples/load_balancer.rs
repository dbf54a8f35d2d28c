//! Create a balancer with two members, wait until it runs, list its members
//! (the third flow of the original Libcloud talk).
//!
//! ```text
//! cargo run -p cloud --example load_balancer                     # in-memory provider
//! cargo run -p cloud --example load_balancer -- --provider NAME [credentials...]
//! ```

#[path = "support/mod.rs"]
mod support;

use std::net::IpAddr;
use std::time::Duration;

use cloud::{Algorithm, CreateBalancer, Member, Protocol, Registry};

#[tokio::main]
async fn main() {
    support::exit_on_error(run().await);
}

async fn run() -> cloud::Result<()> {
    let args = support::parse()?;
    let provider = args.provider.as_deref().unwrap_or("memory");
    let lb = Registry::new().load_balancers(provider, &args.config)?;

    let request = CreateBalancer::new("example-balancer", 80)
        .protocol(Protocol::HTTP)
        .algorithm(Algorithm::RoundRobin)
        .member(Member::ip(IpAddr::from([192, 0, 2, 10]), 8080))
        .member(Member::ip(IpAddr::from([192, 0, 2, 11]), 8080));
    let balancer = lb.create_balancer(&request).await?;
    println!(
        "created {} ({}), state {}",
        balancer.name, balancer.id, balancer.state
    );

    let balancer = lb
        .wait_until_running(
            &balancer.id,
            Duration::from_secs(600),
            Duration::from_millis(200),
        )
        .await?;
    println!("running at {:?}:{}", balancer.ip, balancer.port);
    for member in lb.list_members(&balancer.id).await? {
        let address = member
            .ip
            .map(|ip| ip.to_string())
            .or(member.node_id.clone())
            .unwrap_or_default();
        println!(
            "member {}: {}:{}",
            member.id,
            address,
            member.port.unwrap_or(balancer.port)
        );
    }
    lb.destroy_balancer(&balancer.id).await?;
    Ok(())
}
