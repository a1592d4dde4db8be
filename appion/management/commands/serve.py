"""`manage.py serve [addrport]`: the development server of `make run`. Django's runserver
(its checks, its address parsing, its autoreloader, which also reloads templates and
translations) serving the ASGI application with uvicorn, so that the live pages'
WebSockets answer beside the pages, from one process and the in-memory channel layer.
Static files come from WhiteNoise, which finds them itself while DEBUG is on."""

import os
import warnings

import uvicorn
from django.core.management.commands.runserver import Command as RunserverCommand
from django.db import connections
from django.utils import autoreload


class Command(RunserverCommand):
    help = "Serve the pages and the WebSockets (appion.asgi) for development, with reloading."

    def inner_run(self, *args, **options):
        autoreload.raise_last_exception()
        if not options["skip_checks"]:
            self.stdout.write("Performing system checks...\n\n")
            self.check(display_num_errors=True)
        self.check_migrations()
        for connection in connections.all(initialized_only=True):
            connection.close()

        from appion.asgi import application

        # WhiteNoise hands Django's ASGI handler a plain file iterator for each static
        # file, which Django serves all the same after warning about it, every time.
        warnings.filterwarnings("ignore", "StreamingHttpResponse must consume synchronous")

        host = f"[{self.addr}]" if self.use_ipv6 else self.addr
        self.stdout.write(f"Serving pages and WebSockets at http://{host}:{self.port}/\n")
        try:
            uvicorn.run(
                application,
                host=self.addr,
                port=int(self.port),
                lifespan="off",
                ws="websockets-sansio",
                ws_max_size=4096,
                log_level="info",
            )
        except (OSError, SystemExit) as error:
            # uvicorn exits when it cannot listen (it has said why); sys.exit would not
            # end the process from the autoreloader's thread.
            if isinstance(error, OSError):
                self.stderr.write(f"Error: {error}")
            os._exit(1)
