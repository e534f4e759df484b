//! `sse-test-server`: binds 127.0.0.1, prints one `listening on` line to
//! stdout and serves until killed (or, with `--exit-on-stdin-eof`, until
//! its parent closes stdin).

use std::io::{self, Read, Write};
use std::process::ExitCode;

use sse_test_server::{parse_args, usage, Command, Server};

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Run(options)) => options,
        Ok(Command::Help) => {
            print!("{}", usage());
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("sse-test-server: {e}\n\n{}", usage());
            return ExitCode::from(2);
        }
    };
    if options.exit_on_stdin_eof {
        // A plain thread: blocking stdin reads must not occupy the runtime.
        std::thread::spawn(|| {
            let mut buf = [0u8; 256];
            let mut stdin = io::stdin().lock();
            loop {
                match stdin.read(&mut buf) {
                    Ok(0) => std::process::exit(0),
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => std::process::exit(0),
                }
            }
        });
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sse-test-server: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let server = match Server::bind(options.config).await {
            Ok(server) => server,
            Err(e) => {
                eprintln!("sse-test-server: cannot bind 127.0.0.1: {e}");
                return ExitCode::FAILURE;
            }
        };
        let addr = match server.local_addr() {
            Ok(addr) => addr,
            Err(e) => {
                eprintln!("sse-test-server: {e}");
                return ExitCode::FAILURE;
            }
        };
        // Harnesses read exactly this line to learn the port.
        let mut stdout = io::stdout().lock();
        if writeln!(stdout, "listening on http://{addr}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return ExitCode::FAILURE;
        }
        drop(stdout);
        server.run().await;
        ExitCode::SUCCESS
    })
}
