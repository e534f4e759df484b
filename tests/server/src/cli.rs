//! Command-line parsing, by hand: four flags do not justify an argument
//! parser's compile time.

use crate::Config;

/// The parsed command line.
#[derive(Debug)]
pub enum Command {
    /// Run the server.
    Run(Options),
    /// Print the usage text and exit.
    Help,
}

/// Options for running the server.
#[derive(Debug, Default)]
pub struct Options {
    /// Server configuration.
    pub config: Config,
    /// Exit once standard input reaches end-of-file, so a harness that
    /// dies or forgets to kill the server does not leak it.
    pub exit_on_stdin_eof: bool,
}

/// The `--help` text.
pub fn usage() -> &'static str {
    "usage: sse-test-server [--port N] [--root [PREFIX=]DIR]... [--exit-on-stdin-eof] [--verbose]

Scripted Server-Sent Events server for wasm-eventsource's tests, benchmarks and demo.
Listens on 127.0.0.1 only and prints `listening on http://127.0.0.1:PORT` once ready.

  --port N              port to bind (default 0: any free port)
  --root DIR            serve DIR at /            (repeatable)
  --root PREFIX=DIR     serve DIR at /PREFIX/
  --exit-on-stdin-eof   exit when standard input is closed
  --verbose             log each request to stderr
  --help                print this text
"
}

/// Parses the arguments after the program name.
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut options = Options::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--port" => {
                let v = value("--port")?;
                options.config.port = v
                    .parse()
                    .map_err(|_| format!("--port {v:?} is not a port number"))?;
            }
            "--root" => options.config.mounts.push(value("--root")?.parse()?),
            "--exit-on-stdin-eof" => options.exit_on_stdin_eof = true,
            "--verbose" | "-v" => options.config.verbose = true,
            "--help" | "-h" => return Ok(Command::Help),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Command::Run(options))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn flags() {
        let Ok(Command::Run(o)) = parse(&[
            "--port",
            "8080",
            "--root",
            "www",
            "--root=pkg=pkg",
            "--exit-on-stdin-eof",
        ]) else {
            panic!("valid arguments");
        };
        assert_eq!(o.config.port, 8080);
        assert!(o.exit_on_stdin_eof);
        let prefixes: Vec<_> = o.config.mounts.iter().map(|m| m.prefix.as_str()).collect();
        assert_eq!(prefixes, ["/", "/pkg/"]);
        assert!(matches!(parse(&["--help"]), Ok(Command::Help)));
        assert!(parse(&["--port"]).is_err());
        assert!(parse(&["--port", "x"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
    }
}
