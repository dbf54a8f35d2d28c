//! Create a node from the first listed size and image, wait until it runs,
//! then destroy it (the first flow of the original Libcloud talk).
//!
//! ```text
//! cargo run -p cloud --example create_node                      # in-memory provider
//! cargo run -p cloud --example create_node -- --provider NAME --key K --secret S --region R
//! ```

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use cloud::{CreateNode, Registry};

#[tokio::main]
async fn main() {
    support::exit_on_error(run().await);
}

async fn run() -> cloud::Result<()> {
    let args = support::parse()?;
    let provider = args.provider.as_deref().unwrap_or("memory");
    let compute = Registry::new().compute(provider, &args.config)?;

    let sizes = compute.list_sizes().await?;
    let images = compute.list_images_vec().await?;
    let (Some(size), Some(image)) = (sizes.first(), images.first()) else {
        return Err(cloud::Error::invalid_input(
            "the provider lists no size or no image",
        ));
    };
    println!(
        "size:  {} ({} MiB RAM, {} GB disk)",
        size.name, size.ram_mib, size.disk_gb
    );
    println!("image: {}", image.name);

    let node = compute
        .create_node(&CreateNode::new("example-node", &size.id, &image.id))
        .await?;
    println!("created {} ({}), state {}", node.name, node.id, node.state);
    let running = compute
        .wait_until_running(
            &[&node.id],
            Duration::from_secs(600),
            Duration::from_millis(200),
        )
        .await?;
    let addresses: Vec<String> = running[0]
        .public_ips
        .iter()
        .map(ToString::to_string)
        .collect();
    println!("running at {}", addresses.join(", "));

    compute.destroy_node(&node.id).await?;
    println!("destroyed {}", node.id);
    Ok(())
}
