from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def staff_home(request):  # placeholder until the self-assessment lands
    return HttpResponse("assess")
