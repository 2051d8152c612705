from django.http import HttpResponse


def criterion_list(request):  # placeholder until the public pages land
    return HttpResponse("criteria")


def criterion_detail(request, slug):
    return HttpResponse(slug)
