"""Password reset whose answer takes as long for an unknown address as for a known one.

Django's PasswordResetView sends the mail inside the request: for a known address the
answer waited for the mail server, for an unknown one it did not, so the time of the answer
told whether an address has an account. Here the form only collects what to send; the
view's answer (the same redirect for every address) sends it when the server closes the
response, after its last byte has gone to the client, in the same worker: no thread, no
queue, and the mail is still sent by the request that asked for it.
"""

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpResponseRedirect
from django.utils import translation


class DeferredPasswordResetForm(PasswordResetForm):
    """PasswordResetForm whose send_mail() keeps the mail in `deferred` for later."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.deferred = []

    def send_mail(self, *args, **kwargs):
        language = translation.get_language()
        send_now = super().send_mail

        def send():
            # Rendered and sent in the request's language; Django's send_mail logs a
            # failure of the mail server instead of raising it.
            with translation.override(language):
                send_now(*args, **kwargs)

        self.deferred.append(send)


class SendAfterResponse(HttpResponseRedirect):
    """A redirect that runs `deferred` callables when the server closes it."""

    def __init__(self, url, *, deferred):
        super().__init__(url)
        self.deferred = list(deferred)

    def close(self):
        # Before super().close(): it sends request_finished, after which the URL resolver
        # (needed for the link in the mail) is reset.
        try:
            while self.deferred:
                self.deferred.pop(0)()
        finally:
            super().close()


class PasswordResetView(auth_views.PasswordResetView):
    form_class = DeferredPasswordResetForm

    def form_valid(self, form):
        response = super().form_valid(form)
        return SendAfterResponse(response["Location"], deferred=form.deferred)
